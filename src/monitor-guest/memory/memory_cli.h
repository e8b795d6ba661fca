// Command line of the memory checker: `domm-monitor memory <command> ...`.
#pragma once

#include <span>

namespace virdomm::monitor {

// args[0] is "memory"; returns the process exit status.
int RunMemoryCli(std::span<char*> args);

}  // namespace virdomm::monitor
