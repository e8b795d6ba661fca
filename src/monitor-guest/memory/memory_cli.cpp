// Placeholder until the memory checker lands: says so and fails.
#include "memory/memory_cli.h"

#include <iostream>

namespace virdomm::monitor {

int RunMemoryCli(std::span<char*> /*args*/) {
  std::cerr << "domm-monitor: the memory checker is not part of this build\n";
  return 2;
}

}  // namespace virdomm::monitor
