// A range of guest kernel virtual addresses that holds code: what owner lists name.
#pragma once

#include <cstdint>

namespace virdomm::monitor {

struct CodeRange {
  uint64_t start = 0;  // runtime addresses, [start, end)
  uint64_t end = 0;
};

}  // namespace virdomm::monitor
