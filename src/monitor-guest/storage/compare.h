// Comparison of a baseline with the current scan: added, removed and changed files, each change
// naming the attribute with its old and new value.
#pragma once

#include <string>
#include <vector>

#include "storage/file_record.h"
#include "storage/scan_types.h"

namespace virdomm::monitor {

enum class DifferenceKind { kAdded, kRemoved, kChanged };
std::string_view ToString(DifferenceKind kind);

struct AttributeChange {
  std::string attribute;  // "perm", "sha256", "xattrs[user.note]"
  std::string old_value;
  std::string new_value;
  friend bool operator==(const AttributeChange&, const AttributeChange&) = default;
};

struct Difference {
  DifferenceKind kind = DifferenceKind::kChanged;
  std::string path;
  FileType type = FileType::kUnknown;    // the current type (the old one for removed files)
  std::vector<AttributeChange> changes;  // only for kChanged
};

// AIDE-compatible exit bits.
inline constexpr int kExitAdded = 1;
inline constexpr int kExitRemoved = 2;
inline constexpr int kExitChanged = 4;

struct Report {
  std::string source;
  std::string baseline_created;
  std::uint64_t files_checked = 0;
  std::vector<Difference> differences;  // sorted by path
  std::vector<std::string> warnings;
  JournalStats journal;  // reported only when a journal was replayed
  [[nodiscard]] int ExitBits() const;
  [[nodiscard]] size_t Count(DifferenceKind kind) const;
};

// Both inputs sorted by path. The attributes compared for a file are those the current rules
// select (`current[i].attributes`); read errors are always compared.
Report CompareRecords(const std::vector<FileRecord>& baseline,
                      const std::vector<FileRecord>& current);

// The changes between two records of the same path under `attributes`.
std::vector<AttributeChange> CompareRecord(const FileRecord& old_record,
                                           const FileRecord& new_record, AttributeSet attributes);

}  // namespace virdomm::monitor
