// Which pages of the module area the guest kernel can execute, from its own page tables: a
// mapping is executable when it is present and NX is clear at every level down to its leaf.
// The walk reads each table frame once (at most kMaxTableFrames a walk); a table that cannot be
// read is a reason, and the pages under it are not counted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memory/kernel_address_space.h"

namespace virdomm::monitor {

struct ExecutableRange {
  uint64_t start = 0;  // runtime addresses, [start, end), page-aligned
  uint64_t end = 0;
};

struct ExecutableMap {
  std::vector<ExecutableRange> ranges;  // sorted, adjacent pages merged
  uint64_t pages = 0;                   // executable 4 KiB pages in all ranges
  uint64_t tables_read = 0;
  std::vector<std::string> unreadable;  // tables the walk could not read, in words
};

// 1 root, 1 PML4 (5-level), 1 PUD, 1 PMD and one PTE table per 2 MiB of the module area (504).
inline constexpr std::size_t kMaxTableFrames = 1024;
inline constexpr std::size_t kMaxUnreadableReasons = 8;

ExecutableMap FindExecutablePages(const KernelAddressSpace& space, uint64_t start = kModulesStart,
                                  uint64_t end = kModulesEnd);

}  // namespace virdomm::monitor
