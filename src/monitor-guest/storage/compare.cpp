// Attribute-by-attribute comparison of file records.
#include "storage/compare.h"

#include <set>

namespace virdomm::monitor {
namespace {

constexpr const char* kSelinuxXattr = "security.selinux";
constexpr const char* kCapsXattr = "security.capability";

}  // namespace

std::string_view ToString(DifferenceKind kind) {
  switch (kind) {
    case DifferenceKind::kAdded:
      return "added";
    case DifferenceKind::kRemoved:
      return "removed";
    case DifferenceKind::kChanged:
      return "changed";
  }
  return "?";
}

int Report::ExitBits() const {
  int bits = 0;
  for (const Difference& d : differences) {
    bits |= d.kind == DifferenceKind::kAdded     ? kExitAdded
            : d.kind == DifferenceKind::kRemoved ? kExitRemoved
                                                 : kExitChanged;
  }
  return bits;
}

size_t Report::Count(DifferenceKind kind) const {
  size_t count = 0;
  for (const Difference& d : differences) count += d.kind == kind ? 1 : 0;
  return count;
}

std::vector<AttributeChange> CompareRecord(const FileRecord& old_record,
                                           const FileRecord& new_record, AttributeSet attributes) {
  std::vector<AttributeChange> changes;
  auto compare = [&](Attribute attribute) {
    std::string before = FormatAttribute(old_record, attribute);
    std::string after = FormatAttribute(new_record, attribute);
    if (before != after) {
      changes.push_back({std::string(ToString(attribute)), std::move(before), std::move(after)});
    }
  };
  // The type first: when it changed, most other attributes changed with it.
  for (const auto& entry : AllAttributes()) {
    Attribute attribute = entry.attribute;
    if (attribute == Attribute::kXattrs || attribute == Attribute::kError) continue;
    if (attribute == Attribute::kSelinux || attribute == Attribute::kCapabilities) {
      if ((attributes & (Bit(attribute) | Bit(Attribute::kXattrs))) != 0) compare(attribute);
      continue;
    }
    if ((attributes & Bit(attribute)) == 0) continue;
    // A digest missing from the baseline (rules gained it since) is reported, never skipped.
    compare(attribute);
  }
  if ((attributes & Bit(Attribute::kXattrs)) != 0) {
    std::set<std::string> names;
    for (const auto& [name, value] : old_record.xattrs) names.insert(name);
    for (const auto& [name, value] : new_record.xattrs) names.insert(name);
    for (const std::string& name : names) {
      if (name == kSelinuxXattr || name == kCapsXattr) continue;
      auto before = old_record.xattrs.find(name);
      auto after = new_record.xattrs.find(name);
      std::string old_value =
          before == old_record.xattrs.end() ? "-" : FormatXattrValue(before->second);
      std::string new_value =
          after == new_record.xattrs.end() ? "-" : FormatXattrValue(after->second);
      if (old_value != new_value) {
        changes.push_back({"xattrs[" + EscapeForDisplay(name) + "]", old_value, new_value});
      }
    }
  }
  compare(Attribute::kError);
  return changes;
}

Report CompareRecords(const std::vector<FileRecord>& baseline,
                      const std::vector<FileRecord>& current) {
  Report report;
  report.files_checked = current.size();
  size_t i = 0;
  size_t j = 0;
  while (i < baseline.size() || j < current.size()) {
    if (j == current.size() || (i < baseline.size() && baseline[i].path < current[j].path)) {
      report.differences.push_back(
          Difference{DifferenceKind::kRemoved, baseline[i].path, baseline[i].type, {}});
      ++i;
    } else if (i == baseline.size() || current[j].path < baseline[i].path) {
      Difference added{DifferenceKind::kAdded, current[j].path, current[j].type, {}};
      if (!current[j].error.empty()) {  // e.g. a directory loop: say why right away
        added.changes.push_back({"error", "-", current[j].error});
      }
      report.differences.push_back(std::move(added));
      ++j;
    } else {
      auto changes = CompareRecord(baseline[i], current[j], current[j].attributes);
      if (!changes.empty()) {
        report.differences.push_back(Difference{DifferenceKind::kChanged, current[j].path,
                                                current[j].type, std::move(changes)});
      }
      ++i;
      ++j;
    }
  }
  return report;
}

}  // namespace virdomm::monitor
