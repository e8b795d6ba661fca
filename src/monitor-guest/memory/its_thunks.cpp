// its_init_thunk() writes 0x41 for r8..r15, 0xff, 0xe0 + reg, 0xcc.
#include "memory/its_thunks.h"

namespace virdomm::monitor {

bool IsItsThunkPage(std::span<const uint8_t> page) {
  constexpr uint8_t kInt3 = 0xcc;
  std::size_t thunks = 0;
  for (std::size_t at = 0; at < page.size();) {
    if (page[at] == kInt3) {
      ++at;
      continue;
    }
    std::size_t op = page[at] == 0x41 ? at + 1 : at;  // REX.B
    if (op + 2 >= page.size() || page[op] != 0xff || (page[op + 1] & 0xf8) != 0xe0 ||
        page[op + 2] != kInt3) {
      return false;
    }
    ++thunks;
    at = op + 3;
  }
  return thunks > 0;
}

}  // namespace virdomm::monitor
