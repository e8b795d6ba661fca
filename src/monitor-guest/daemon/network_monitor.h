// The network monitor of `domm-monitor run`: `network watch` a round per interval. Start
// starts Suricata on the mirror NIC, each Check forwards its output and eve.json's alerts and
// restarts it when it died (with the watch's own backoff); once the watch gives up, Check
// throws and the scheduler restarts the monitor.
#pragma once

#include <memory>
#include <optional>

#include "daemon/console.h"
#include "daemon/daemon_config.h"
#include "daemon/monitor.h"
#include "network/network_watch.h"

namespace virdomm::monitor {

class NetworkMonitor final : public Monitor {
 public:
  NetworkMonitor(const NetworkConfig& config, const std::filesystem::path& alert_spool,
                 const Console& console);

  [[nodiscard]] std::string_view Name() const override { return "network"; }
  [[nodiscard]] std::chrono::milliseconds Interval() const override {
    return std::chrono::milliseconds(config_.interval_ms);
  }
  void Start() override;
  void Check() override;
  void Stop() override;
  [[nodiscard]] Health CurrentHealth() const override;

 private:
  const NetworkConfig& config_;
  WatchOptions options_;
  std::unique_ptr<NetworkWatch> watch_;
};

}  // namespace virdomm::monitor
