// `domm-monitor alerts publish|raise|list`: the spool's command line.
#pragma once

#include <span>

namespace virdomm::monitor {

int RunAlertsCli(std::span<char*> args);

}  // namespace virdomm::monitor
