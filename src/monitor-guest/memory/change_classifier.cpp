// Classification rules. Patch sites come from the trusted image; a site holding bytes Linux
// would not write there is an unknown change, not a classified one.
#include "memory/change_classifier.h"

#include <algorithm>
#include <cstring>

#include "memory/byte_reader.h"
#include "memory/hex_text.h"

namespace virdomm::monitor {
namespace {

constexpr uint8_t kInt3 = 0xcc;
constexpr uint8_t kJmp32 = 0xe9;
constexpr uint8_t kJmp8 = 0xeb;
constexpr uint8_t kCall32 = 0xe8;
constexpr uint8_t kRet = 0xc3;
// Unclassified runs closer than this are one change (one instruction rewritten in parts).
constexpr uint64_t kMergeGap = 8;

bool IsNop5(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kNop5[] = {0x0f, 0x1f, 0x44, 0x00, 0x00};
  static constexpr uint8_t kNop5Alt[] = {0x66, 0x66, 0x66, 0x66, 0x90};
  return bytes.size() >= 5 &&
         (std::memcmp(bytes.data(), kNop5, 5) == 0 || std::memcmp(bytes.data(), kNop5Alt, 5) == 0);
}

bool IsNop2(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 &&
         ((bytes[0] == 0x66 && bytes[1] == 0x90) || (bytes[0] == 0x90 && bytes[1] == 0x90));
}

std::string Hex(uint64_t value) { return HexNumber(value); }

Change MakeChange(const RegionDiff& diff, uint64_t start, uint64_t end, ChangeKind kind,
                  const ClassifyContext& context) {
  Change change;
  change.kind = kind;
  change.region = diff.region;
  change.address = start;
  change.location = context.symbols->Describe(start);
  uint64_t offset = start - diff.base;
  uint64_t length = std::min<uint64_t>(end - start, kMaxReportedBytes);
  auto old_bytes = diff.old_bytes.subspan(offset, length);
  auto new_bytes = diff.new_bytes.subspan(offset, length);
  change.old_bytes.assign(old_bytes.begin(), old_bytes.end());
  change.new_bytes.assign(new_bytes.begin(), new_bytes.end());
  if (end - start > kMaxReportedBytes) {
    change.detail = std::to_string(end - start) + " bytes changed (first " +
                    std::to_string(kMaxReportedBytes) + " shown)";
  }
  return change;
}

std::string NamePointer(uint64_t value, const ClassifyContext& context) {
  if (!context.virtual_offset) {
    return Hex(value);
  }
  uint64_t link = value - static_cast<uint64_t>(*context.virtual_offset);
  const KernelSymbol* symbol = context.symbols->Containing(link);
  if (symbol == nullptr || link - symbol->address > (uint64_t{1} << 20)) {
    return Hex(value) + " (outside the kernel image)";
  }
  return context.symbols->Describe(link);
}

std::string DescribeSyscallEntries(const RegionDiff& diff, uint64_t start, uint64_t end,
                                   const ClassifyContext& context) {
  std::string text;
  uint64_t first = (start - context.sys_call_table) / 8;
  uint64_t last = (end - 1 - context.sys_call_table) / 8;
  for (uint64_t index = first; index <= last && index < context.sys_call_entries; ++index) {
    uint64_t at = context.sys_call_table + index * 8 - diff.base;
    uint64_t old_value = 0;
    uint64_t new_value = 0;
    if (!TryReadLe(diff.old_bytes, at, old_value) || !TryReadLe(diff.new_bytes, at, new_value)) {
      continue;
    }
    if (!text.empty()) {
      text += "; ";
    }
    text += "sys_call_table[" + std::to_string(index) + "] " + NamePointer(old_value, context) +
            " -> " + NamePointer(new_value, context);
  }
  return text;
}

ChangeKind KindOfSite(const PatchSite& site, std::span<const uint8_t> live) {
  bool mid_patch = !live.empty() && live[0] == kInt3;  // text_poke_bp() caught half-way
  switch (site.kind) {
    case SiteKind::kJumpLabel:
      if (mid_patch) {
        return ChangeKind::kJumpLabel;
      }
      break;
    case SiteKind::kFtrace:
      if (mid_patch) {
        return ChangeKind::kFtrace;
      }
      break;
    case SiteKind::kStaticCall:
      if (mid_patch) {
        return ChangeKind::kStaticCall;
      }
      break;
  }
  switch (site.kind) {
    case SiteKind::kJumpLabel:
      return IsLegalJumpLabelBytes(live, site.address, site.jump_target) ? ChangeKind::kJumpLabel
                                                                         : ChangeKind::kUnknownText;
    case SiteKind::kFtrace:
      return IsLegalCallSiteBytes(live) ? ChangeKind::kFtrace : ChangeKind::kUnknownText;
    case SiteKind::kStaticCall:
      return IsLegalCallSiteBytes(live) || (!live.empty() && live[0] == kRet)
                 ? ChangeKind::kStaticCall
                 : ChangeKind::kUnknownText;
  }
  return ChangeKind::kUnknownText;
}

}  // namespace

std::vector<ByteRun> DiffRuns(std::span<const uint8_t> old_bytes,
                              std::span<const uint8_t> new_bytes, uint64_t base) {
  std::vector<ByteRun> runs;
  std::size_t length = std::min(old_bytes.size(), new_bytes.size());
  std::size_t i = 0;
  while (i < length) {
    if (old_bytes[i] == new_bytes[i]) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < length && old_bytes[i] != new_bytes[i]) {
      ++i;
    }
    runs.push_back(ByteRun{base + start, base + i});
  }
  return runs;
}

bool IsLegalJumpLabelBytes(std::span<const uint8_t> site_bytes, uint64_t site,
                           uint64_t jump_target) {
  if (IsNop5(site_bytes) || IsNop2(site_bytes)) {
    return true;
  }
  if (site_bytes.size() >= 5 && site_bytes[0] == kJmp32) {
    auto rel = static_cast<int32_t>(ReadLe<uint32_t>(site_bytes, 1, "jmp rel32"));
    return site + 5 + static_cast<uint64_t>(static_cast<int64_t>(rel)) == jump_target;
  }
  if (site_bytes.size() >= 2 && site_bytes[0] == kJmp8) {
    auto rel = static_cast<int8_t>(site_bytes[1]);
    return site + 2 + static_cast<uint64_t>(static_cast<int64_t>(rel)) == jump_target;
  }
  return false;
}

bool IsLegalCallSiteBytes(std::span<const uint8_t> site_bytes) {
  return IsNop5(site_bytes) ||
         (site_bytes.size() >= 5 && (site_bytes[0] == kCall32 || site_bytes[0] == kJmp32));
}

std::vector<Change> ClassifyRuns(const RegionDiff& diff, const std::vector<ByteRun>& runs,
                                 const ClassifyContext& context) {
  std::vector<Change> changes;
  uint64_t region_end = diff.base + diff.old_bytes.size();
  bool is_text = diff.region == "text";
  std::size_t i = 0;
  while (i < runs.size()) {
    const PatchSite* site = is_text ? context.sites->Containing(runs[i].start) : nullptr;
    if (site != nullptr && runs[i].end <= site->address + site->length &&
        site->address >= diff.base && site->address + site->length <= region_end) {
      uint64_t site_end = site->address + site->length;
      while (i < runs.size() && runs[i].end <= site_end) {
        ++i;  // every run inside this site is part of one patch
      }
      auto live = diff.new_bytes.subspan(site->address - diff.base, site->length);
      Change change = MakeChange(diff, site->address, site_end, KindOfSite(*site, live), context);
      change.detail =
          change.kind == ChangeKind::kUnknownText
              ? "this " + ToString(site->kind) + " site holds bytes Linux does not write there"
              : ToString(site->kind) + " site";
      if (change.kind == ChangeKind::kJumpLabel) {
        const KernelSymbol* key = context.symbols->Containing(site->key);
        change.static_key = key != nullptr && key->address == site->key
                                ? key->name
                                : context.symbols->Describe(site->key);
        change.detail += " of static key " + change.static_key;
      }
      changes.push_back(std::move(change));
      continue;
    }
    uint64_t start = runs[i].start;
    uint64_t end = runs[i].end;
    ++i;
    while (i < runs.size() && runs[i].start - end < kMergeGap &&
           (!is_text || context.sites->Containing(runs[i].start) == nullptr)) {
      end = runs[i].end;
      ++i;
    }
    ChangeKind kind = ChangeKind::kRodata;
    if (is_text) {
      uint8_t old_byte = diff.old_bytes[start - diff.base];
      uint8_t new_byte = diff.new_bytes[start - diff.base];
      kind = end - start == 1 && (new_byte == kInt3 || old_byte == kInt3)
                 ? ChangeKind::kKprobe
                 : ChangeKind::kUnknownText;
    } else if (context.sys_call_table != 0 &&
               start < context.sys_call_table + 8 * context.sys_call_entries &&
               end > context.sys_call_table) {
      kind = ChangeKind::kSyscallTable;
    }
    Change change = MakeChange(diff, start, end, kind, context);
    if (kind == ChangeKind::kSyscallTable) {
      change.detail = DescribeSyscallEntries(
          diff, std::max(start, context.sys_call_table),
          std::min(end, context.sys_call_table + 8 * context.sys_call_entries), context);
    } else if (kind == ChangeKind::kKprobe) {
      change.detail = diff.new_bytes[start - diff.base] == kInt3 ? "INT3 written (kprobe armed)"
                                                                 : "INT3 removed (kprobe disarmed)";
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace virdomm::monitor
