// What a running pair is doing right now on this host, as Domain M and the hook left it in
// xenstore and the collector in the alert log: the binding, each monitor's last check and the
// pair's last alert. Read-only; `virdomm show` prints it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "alerts/delivered_alert.h"

namespace virdomm {

struct MonitorHealth {
  std::string monitor;  // "memory", "storage"
  std::string time;     // of the monitor's last check, UTC
  std::string result;   // clean, warning, critical, error
  std::string summary;
};

struct PairLiveState {
  std::uint32_t monitor_domid = 0;
  std::optional<std::string> state;  // the hook's binding state: bound, unbound, error: ...
  std::optional<std::string> target_domid;
  std::optional<std::string> generation;
  std::vector<MonitorHealth> health;  // what Domain M published, by monitor name
  std::vector<std::string> problems;  // a record that could not be read, and why
};

// Reads Domain M's binding directory and health records. Throws Error when xenstore cannot be
// opened (not a Xen dom0, or no rights).
PairLiveState ReadPairLiveState(std::uint32_t monitor_domid);

// The newest alert of the log about the DomU with this UUID; nullopt when there is none or
// the log does not exist.
std::optional<DeliveredAlert> LastAlertAbout(const std::filesystem::path& log,
                                             const std::string& domu_uuid);

}  // namespace virdomm
