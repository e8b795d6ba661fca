// Classification rules. Patch sites come from the trusted image; a site holding bytes Linux
// would not write there is an unknown change, not a classified one.
#include "memory/change_classifier.h"

#include <algorithm>
#include <cstring>

#include "common/hex.h"
#include "memory/byte_reader.h"

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
    return HexNumber(value);
  }
  uint64_t link = value - static_cast<uint64_t>(*context.virtual_offset);
  const KernelSymbol* symbol = context.symbols->Containing(link);
  if (symbol == nullptr || link - symbol->address > (uint64_t{1} << 20)) {
    return HexNumber(value) + " (outside the kernel image)";
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

// How a changed patch site was judged: its kind, what it branches to, and why.
struct SiteVerdict {
  ChangeKind kind = ChangeKind::kUnknownText;
  std::string detail;
  std::string target;
  uint64_t target_address = 0;
};

// The static call forms of arch/x86/kernel/static_call.c that are no branch: `cs cs cs xor
// %eax,%eax` (a call of __static_call_return0) and `ret; int3 ×4`.
bool IsStaticCallConstant(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kXor5Rax[] = {0x2e, 0x2e, 0x2e, 0x31, 0xc0};
  return (bytes.size() >= 5 && std::memcmp(bytes.data(), kXor5Rax, 5) == 0) ||
         (!bytes.empty() && bytes[0] == kRet);
}

TargetRule RuleOf(const PatchSite& site) {
  switch (site.kind) {
    case SiteKind::kJumpLabel:
      return TargetRule::kJumpLabelTarget;
    case SiteKind::kFtrace:
      return site.in_ftrace_caller ? TargetRule::kFunctionStart : TargetRule::kFtraceEntry;
    case SiteKind::kStaticCall:
      return TargetRule::kFunctionStart;
  }
  return TargetRule::kFunctionStart;
}

ChangeKind LegalKind(SiteKind kind) {
  switch (kind) {
    case SiteKind::kJumpLabel:
      return ChangeKind::kJumpLabel;
    case SiteKind::kFtrace:
      return ChangeKind::kFtrace;
    case SiteKind::kStaticCall:
      return ChangeKind::kStaticCall;
  }
  return ChangeKind::kUnknownText;
}

SiteVerdict JudgeSite(const PatchSite& site, std::span<const uint8_t> live,
                      const PatchTargetJudge& judge) {
  SiteVerdict verdict;
  const std::string what = ToString(site.kind) + " site";
  if (!live.empty() && live[0] == kInt3) {  // text_poke_bp() caught half-way
    verdict.kind = LegalKind(site.kind);
    verdict.detail = what + ", INT3 while text_poke_bp() rewrites it";
    return verdict;
  }
  bool constant = IsNop5(live) || (site.kind == SiteKind::kJumpLabel && IsNop2(live)) ||
                  (site.kind == SiteKind::kStaticCall && IsStaticCallConstant(live));
  if (constant) {
    verdict.kind = LegalKind(site.kind);
    verdict.detail = what;
    return verdict;
  }
  std::optional<uint64_t> target = BranchTarget(live, site.address);
  bool short_jump = !live.empty() && live[0] == kJmp8;
  if (!target || (short_jump && site.kind != SiteKind::kJumpLabel)) {
    verdict.kind = ChangeKind::kUnknownText;
    verdict.detail = "this " + what + " holds bytes Linux does not write there";
    return verdict;
  }
  TargetVerdict judged = judge.Judge(RuleOf(site), *target, site.jump_target);
  verdict.target = judged.target;
  verdict.target_address = judged.target_address;
  std::string branch = live[0] == kCall32 ? "call" : "jmp";
  if (judged.legal) {
    verdict.kind = LegalKind(site.kind);
    verdict.detail = what + ", " + branch + " to " + judged.target;
  } else {
    verdict.kind = ChangeKind::kRedirectedSite;
    verdict.detail = what + " redirected: " + branch + " to " + judged.target + "; " + judged.why;
  }
  return verdict;
}

}  // namespace

bool IsOnceKeyDone(const Change& change) {
  // The site's bytes begin with the NOP (a 2-byte one is followed by the next instruction's
  // bytes: sites are taken as 5 bytes long), as JudgeSite reads a constant site.
  const std::vector<uint8_t>& now = change.new_bytes;
  bool nop = IsNop5(now) || IsNop2(now);
  return change.kind == ChangeKind::kJumpLabel && nop &&
         change.static_key.starts_with("___once_key");
}

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

std::optional<uint64_t> BranchTarget(std::span<const uint8_t> site_bytes, uint64_t site) {
  if (site_bytes.size() >= 5 && (site_bytes[0] == kJmp32 || site_bytes[0] == kCall32)) {
    auto rel = static_cast<int32_t>(ReadLe<uint32_t>(site_bytes, 1, "rel32"));
    return site + 5 + static_cast<uint64_t>(static_cast<int64_t>(rel));
  }
  if (site_bytes.size() >= 2 && site_bytes[0] == kJmp8) {
    auto rel = static_cast<int8_t>(site_bytes[1]);
    return site + 2 + static_cast<uint64_t>(static_cast<int64_t>(rel));
  }
  return std::nullopt;
}

bool IsLegalJumpLabelBytes(std::span<const uint8_t> site_bytes, uint64_t site,
                           uint64_t jump_target) {
  if (IsNop5(site_bytes) || IsNop2(site_bytes)) {
    return true;
  }
  if (site_bytes.empty() || site_bytes[0] == kCall32) {
    return false;
  }
  auto target = BranchTarget(site_bytes, site);
  return target && *target == jump_target;
}

bool IsLegalCallSiteBytes(std::span<const uint8_t> site_bytes) {
  return IsNop5(site_bytes) ||
         (site_bytes.size() >= 5 && (site_bytes[0] == kCall32 || site_bytes[0] == kJmp32));
}

std::vector<Change> ClassifyRuns(const RegionDiff& diff, const std::vector<ByteRun>& runs,
                                 const ClassifyContext& context) {
  std::optional<PatchTargetJudge> own_judge;
  if (context.targets == nullptr) {
    TargetKnowledge knowledge;
    knowledge.symbols = context.symbols;
    knowledge.image_start = context.symbols->AddressOf("_text").value_or(diff.base);
    knowledge.image_end =
        context.symbols->AddressOf("_end").value_or(diff.base + diff.old_bytes.size());
    knowledge.virtual_offset = context.virtual_offset;
    own_judge.emplace(std::move(knowledge));
  }
  const PatchTargetJudge& judge = context.targets != nullptr ? *context.targets : *own_judge;
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
      SiteVerdict verdict = JudgeSite(*site, live, judge);
      Change change = MakeChange(diff, site->address, site_end, verdict.kind, context);
      change.detail = verdict.detail;
      change.target = verdict.target;
      change.target_address = verdict.target_address;
      if (change.kind == ChangeKind::kJumpLabel) {
        const KernelSymbol* key = context.symbols->Containing(site->key);
        change.static_key = key != nullptr && key->address == site->key
                                ? key->name
                                : context.symbols->Describe(site->key);
        change.detail += " (static key " + change.static_key + ")";
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
