#include "daemon/network_monitor.h"

#include "common/error.h"

namespace virdomm::monitor {

NetworkMonitor::NetworkMonitor(const NetworkConfig& config,
                               const std::filesystem::path& alert_spool, const Console& console)
    : config_(config) {
  options_.interface = config.interface;
  options_.alert_spool = alert_spool;
  options_.suricata = config.suricata;
  options_.config = config.config;
  options_.rules = config.rules;
  options_.log_dir = config.log_dir;
  options_.json = console.Json();
  options_.restarts.max_restarts = config.max_restarts;
  options_.restarts.window = std::chrono::seconds(config.restart_window_s);
  options_.print_event = [&console](const std::string& line) { console.Print("network", line); };
  options_.print_output = [&console](const std::string& line) { console.Error("network", line); };
}

void NetworkMonitor::Start() {
  watch_.reset();  // an earlier watch that gave up
  watch_ = std::make_unique<NetworkWatch>(options_);
  watch_->Begin();
  if (!watch_->StartIfDue()) {
    throw Error("Suricata could not be started on " + config_.interface);
  }
}

void NetworkMonitor::Check() {
  if (!watch_->Observe() || !watch_->StartIfDue()) {
    throw Error("Suricata kept dying on " + config_.interface + ": supervision gave up");
  }
}

void NetworkMonitor::Stop() {
  (void)watch_->Observe();  // the final look: what Suricata reported until now
  watch_->Finish();
  watch_.reset();
}

Health NetworkMonitor::CurrentHealth() const {
  if (!watch_) {
    return {HealthState::kStarting, "Suricata not started"};
  }
  return watch_->Running() ? Health{HealthState::kOk, "Suricata captures on " + config_.interface}
                           : Health{HealthState::kDegraded, "Suricata is down, restart pending"};
}

}  // namespace virdomm::monitor
