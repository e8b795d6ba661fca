// A range walk over untrusted page tables: the levels below the root are entered only for the
// entries that cover [start, end), so a garbage entry costs one frame read, never a loop.
#include "memory/executable_pages.h"

#include <array>

#include "common/hex.h"

namespace virdomm::monitor {
namespace {

class RangeWalk {
 public:
  RangeWalk(const KernelAddressSpace& space, uint64_t start, uint64_t end, ExecutableMap& map)
      : space_(space), start_(start), end_(end), map_(map) {}

  // Walks the table at `frame` of `level` (5..1) whose entry i covers base + i << shift.
  void Table(uint64_t frame, unsigned level, uint64_t base) {
    if (map_.tables_read >= kMaxTableFrames) {
      Unreadable("more than " + std::to_string(kMaxTableFrames) + " page-table frames");
      return;
    }
    std::array<uint64_t, kTableEntries> entries{};
    ++map_.tables_read;
    if (auto error = space_.ReadTable(frame, entries)) {
      Unreadable(*error + " (level " + std::to_string(level) + " under " + HexNumber(base) + ")");
      return;
    }
    const unsigned shift = 12 + 9 * (level - 1);
    const uint64_t span = uint64_t{1} << shift;
    for (unsigned i = 0; i < kTableEntries; ++i) {
      // Sign extension of the top level (bit 47 or 56) is already in `base`.
      const uint64_t low = base + uint64_t{i} * span;
      const uint64_t high = low + span;  // 0 past the top of the address space
      if ((high != 0 && high <= start_) || low >= end_) {
        continue;
      }
      const uint64_t entry = entries[i];
      if ((entry & kEntryPresent) == 0 || (entry & kEntryNoExecute) != 0) {
        continue;  // NX at an upper level forbids execution of everything under it
      }
      const uint64_t next = (entry & kEntryFrameMask) >> kPageShift;
      if (level == 1 || ((level == 2 || level == 3) && (entry & kEntryPageSize) != 0)) {
        Executable(std::max(low, start_), high == 0 || high > end_ ? end_ : high);
      } else if (level > 1) {
        Table(next, level - 1, low);
      }
    }
  }

 private:
  void Executable(uint64_t low, uint64_t high) {
    low &= ~(kPageSize - 1);
    map_.pages += (high - low + kPageSize - 1) >> kPageShift;
    if (!map_.ranges.empty() && map_.ranges.back().end == low) {
      map_.ranges.back().end = high;
    } else {
      map_.ranges.push_back({low, high});
    }
  }
  void Unreadable(std::string why) {
    if (map_.unreadable.size() < kMaxUnreadableReasons) {
      map_.unreadable.push_back(std::move(why));
    }
  }

  const KernelAddressSpace& space_;
  uint64_t start_;
  uint64_t end_;
  ExecutableMap& map_;
};

}  // namespace

ExecutableMap FindExecutablePages(const KernelAddressSpace& space, uint64_t start, uint64_t end) {
  ExecutableMap map;
  if (start >= end) {
    return map;
  }
  // Entry i of the top level covers base + i * span, with `base` chosen so that the upper half
  // (entries 256..511) comes out sign-extended: 0xffff800000000000 is entry 256 with four
  // levels, 0xff00000000000000 with five. Entries of the lower half fall below any kernel range.
  const unsigned levels = space.Levels();
  const uint64_t base = 0 - (uint64_t{1} << (12 + 9 * levels));
  RangeWalk walk(space, start, end, map);
  walk.Table(space.RootFrame(), levels, base);
  return map;
}

}  // namespace virdomm::monitor
