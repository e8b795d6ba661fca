// `domm-monitor network watch`: runs Suricata on the mirror NIC as a supervised child,
// follows its eve.json and raises each alert into the spool; a Suricata that dies is restarted
// with a growing delay (RestartBackoff) until it dies too often, which ends the watch with an
// error. SIGTERM and SIGINT stop Suricata and end the watch cleanly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "network/restart_backoff.h"

namespace virdomm::monitor {

struct WatchOptions {
  std::string interface;  // the mirror NIC
  std::filesystem::path alert_spool;
  std::filesystem::path suricata;  // the binary
  std::filesystem::path config;    // virdomm-suricata.yaml
  std::filesystem::path rules;     // virdomm.rules
  std::filesystem::path log_dir;   // Suricata's -l: eve.json is written there
  bool json = false;
  RestartLimits restarts;
  std::uint64_t eve_max_bytes = 16ULL << 20U;  // eve.json is rotated (to eve.json.1) beyond
};

// Returns the exit status: 0 after SIGTERM/SIGINT, 1 when supervision gave up. Throws Error
// when the watch cannot begin (no spool, Suricata cannot be started at all).
int RunNetworkWatch(const WatchOptions& options);

}  // namespace virdomm::monitor
