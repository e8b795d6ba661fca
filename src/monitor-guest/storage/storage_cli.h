// Command line of the storage checker: `domm-monitor storage <command> ...`.
#pragma once

#include <span>

namespace virdomm::monitor {

// args[0] is "storage"; returns the process exit status.
int RunStorageCli(std::span<char*> args);

}  // namespace virdomm::monitor
