// `domm-monitor network watch`: the network IDS's command line.
#pragma once

#include <span>

namespace virdomm::monitor {

int RunNetworkCli(std::span<char*> args);

}  // namespace virdomm::monitor
