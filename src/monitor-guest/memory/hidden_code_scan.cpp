// Page by page over the executable ranges, each page one binary search over the owners.
// Ownership is by overlap: a page that holds any byte of an owner's range is the owner's
// (module text and slot pages are whole pages; a BPF symbol may cover part of a page).
#include "memory/hidden_code_scan.h"

#include <algorithm>
#include <utility>

#include "memory/its_thunks.h"

namespace virdomm::monitor {
namespace {

struct OwnedSpan {
  CodeRange range;
  OwnerKind kind = OwnerKind::kModule;  // of the first owner merged into it
};

// Owners as disjoint spans sorted by start (the guest may list overlapping ones), so that a
// page's lookup is one binary search whatever the guest's lists hold.
std::vector<OwnedSpan> Disjoint(const std::vector<CodeOwner>& owners) {
  std::vector<OwnedSpan> spans;
  for (const CodeOwner& owner : owners) {  // sorted by start
    if (!spans.empty() && owner.range.start <= spans.back().range.end) {
      spans.back().range.end = std::max(spans.back().range.end, owner.range.end);
    } else {
      spans.push_back({owner.range, owner.kind});
    }
  }
  return spans;
}

// The span that holds a byte of [page, page + kPageSize), or nullptr.
const OwnedSpan* OwnerOf(const std::vector<OwnedSpan>& spans, uint64_t page) {
  auto after = std::upper_bound(
      spans.begin(), spans.end(), page + kPageSize - 1,
      [](uint64_t last, const OwnedSpan& span) { return last < span.range.start; });
  if (after == spans.begin()) {
    return nullptr;
  }
  const OwnedSpan& span = *std::prev(after);
  return span.range.end > page ? &span : nullptr;
}

// What owns a page by its bytes alone: an ftrace trampoline (from the page's first byte) or a
// page of ITS thunks; nullopt when neither or unreadable.
std::optional<OwnerKind> OwnerByBytes(const KernelAddressSpace& space,
                                      const std::vector<FtraceTemplate>& templates, uint64_t page) {
  std::vector<uint8_t> bytes(kPageSize);
  if (!space.Read(page, bytes).Ok()) {
    return std::nullopt;
  }
  for (const FtraceTemplate& form : templates) {
    if (form.bytes.size() + kTrampolineTail <= kPageSize &&
        MatchFtraceTrampoline(form, bytes, page)) {
      return OwnerKind::kFtraceTrampoline;
    }
  }
  if (IsItsThunkPage(bytes)) {
    return OwnerKind::kItsThunks;
  }
  return std::nullopt;
}

}  // namespace

ModuleAreaScan ScanModuleArea(const KernelAddressSpace& space, const ExecutableMap& executable,
                              const CodeOwners& owners,
                              const std::vector<FtraceTemplate>& templates) {
  ModuleAreaScan scan;
  scan.executable_pages = executable.pages;
  scan.tables_read = executable.tables_read;
  scan.owners = owners.owners.size();
  scan.gaps = executable.unreadable;
  if (owners.modules_unreadable) {
    scan.not_scanned = "the module list is not readable: " + *owners.modules_unreadable;
    return scan;
  }
  scan.gaps.insert(scan.gaps.end(), owners.gaps.begin(), owners.gaps.end());
  const std::vector<OwnedSpan> spans = Disjoint(owners.owners);
  std::size_t probes = 0;
  bool probes_exhausted = false;
  auto own = [&scan](OwnerKind kind) { ++scan.owned_pages[static_cast<std::size_t>(kind)]; };
  for (const ExecutableRange& range : executable.ranges) {
    for (uint64_t page = range.start; page < range.end; page += kPageSize) {
      if (const OwnedSpan* owner = OwnerOf(spans, page)) {
        own(owner->kind);
        continue;
      }
      if (probes < kMaxTrampolineProbes) {
        ++probes;
        if (auto kind = OwnerByBytes(space, templates, page)) {
          own(*kind);
          continue;
        }
      } else {
        probes_exhausted = true;
      }
      ++scan.hidden_pages;
      if (!scan.hidden.empty() && scan.hidden.back().range.end == page) {
        scan.hidden.back().range.end = page + kPageSize;
      } else if (scan.hidden.size() < kMaxHiddenRanges) {
        HiddenCode hidden;
        hidden.range = {page, page + kPageSize};
        scan.hidden.push_back(std::move(hidden));
      }
    }
  }
  if (probes_exhausted) {
    scan.gaps.push_back(
        "more than " + std::to_string(kMaxTrampolineProbes) +
        " unowned pages: the rest were not compared with ftrace trampolines or ITS thunks");
  }
  for (HiddenCode& hidden : scan.hidden) {
    hidden.physical = space.FrameOf(hidden.range.start).value_or(0) << kPageShift;
    hidden.first_bytes.resize(kHiddenCodeBytes);
    VirtualRead read = space.Read(hidden.range.start, hidden.first_bytes);
    if (!read.Ok()) {
      hidden.first_bytes.clear();
      hidden.bytes_unreadable = *read.error;
    }
  }
  return scan;
}

}  // namespace virdomm::monitor
