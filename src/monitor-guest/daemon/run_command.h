// `domm-monitor run --config FILE [--json]`: every monitor the configuration enables, in one
// process, until SIGTERM or SIGINT.
#pragma once

#include <span>

namespace virdomm::monitor {

// `args[0]` is "run". Exit status: 0 stopped by a signal (every final check made), 1 a final
// check failed or the daemon could not begin, 2 usage or configuration error.
int RunDaemonCli(std::span<char*> args);

}  // namespace virdomm::monitor
