// Placeholder until the storage checker lands: says so and fails.
#include "storage/storage_cli.h"

#include <iostream>

namespace virdomm::monitor {

int RunStorageCli(std::span<char*> /*args*/) {
  std::cerr << "domm-monitor: the storage checker is not part of this build\n";
  return 2;
}

}  // namespace virdomm::monitor
