// The module area's executable pages against what owns code there: a page no owner covers and
// that is neither an ftrace trampoline nor a page of ITS thunks (both recognised by their
// bytes) is hidden code, the mark of a module that took itself off the module list. Bounded:
// the page walk (executable_pages.h), the owner lists (code_owners.h), at most
// kMaxTrampolineProbes pages read for their bytes and kMaxHiddenRanges ranges kept.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory/code_owners.h"
#include "memory/executable_pages.h"
#include "memory/ftrace_trampoline.h"

namespace virdomm::monitor {

struct HiddenCode {
  CodeRange range;                   // whole pages, runtime addresses
  uint64_t physical = 0;             // where range.start is (as the page tables name frames)
  std::vector<uint8_t> first_bytes;  // kHiddenCodeBytes at range.start, when readable
  std::string bytes_unreadable;
};

struct ModuleAreaScan {
  std::optional<std::string> not_scanned;  // why there is no verdict (no NX, no module list)
  uint64_t executable_pages = 0;
  uint64_t tables_read = 0;
  std::array<uint64_t, static_cast<std::size_t>(OwnerKind::kCount)> owned_pages{};
  uint64_t hidden_pages = 0;
  std::vector<HiddenCode> hidden;  // at most kMaxHiddenRanges; hidden_pages counts them all
  std::vector<std::string> gaps;   // tables or owner lists not read: a hidden page may be theirs
  std::size_t owners = 0;
  double elapsed_ms = 0;
};

inline constexpr std::size_t kMaxTrampolineProbes = 512;
inline constexpr std::size_t kMaxHiddenRanges = 64;
inline constexpr std::size_t kHiddenCodeBytes = 16;

ModuleAreaScan ScanModuleArea(const KernelAddressSpace& space, const ExecutableMap& executable,
                              const CodeOwners& owners,
                              const std::vector<FtraceTemplate>& templates);

}  // namespace virdomm::monitor
