// `domm-monitor network watch`: runs Suricata on the mirror NIC as a supervised child,
// follows its eve.json and raises each alert into the spool; a Suricata that dies is restarted
// with a growing delay (RestartBackoff) until it dies too often, which ends the watch with an
// error. SIGTERM and SIGINT stop Suricata and end the watch cleanly.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "alerts/alert_spool.h"
#include "alerts/monitor_alerts.h"
#include "network/capture_drops.h"
#include "network/eve_follower.h"
#include "network/eve_record.h"
#include "network/restart_backoff.h"
#include "network/watch_report.h"

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
  // Where the watch's event lines and Suricata's own output go; unset: stdout and stderr.
  std::function<void(const std::string&)> print_event;
  std::function<void(const std::string&)> print_output;
};

class ChildProcess;
struct ChildExit;

// One watch, a round at a time, for RunNetworkWatch's loop and the daemon's network monitor:
// Begin once, then StartIfDue and Observe each round (both false once supervision gave up),
// Finish to stop Suricata.
class NetworkWatch {
 public:
  explicit NetworkWatch(const WatchOptions& options);  // `options` must outlive the watch
  NetworkWatch(const NetworkWatch&) = delete;
  NetworkWatch& operator=(const NetworkWatch&) = delete;
  ~NetworkWatch();

  void Begin();
  // Starts Suricata when its (re)start is due. Throws Error when it never started at all.
  bool StartIfDue();
  // Suricata's output, its exit, eve.json's new records.
  bool Observe();
  void Finish();
  // Suricata's output, to poll on; -1 while it does not run.
  [[nodiscard]] int OutputFd() const;
  [[nodiscard]] bool Running() const;

 private:
  using Clock = std::chrono::steady_clock;
  void Report(const std::string& event, const std::string& message,
              const ReportFields& fields = {}) const;
  void PrintOutput(const std::string& line) const;
  void Start();
  void ReadChildOutput();
  void ForwardOutputLine(const std::string& line);
  // The child ended: reports it and decides the next start; false when supervision gives up.
  bool AfterExit(const ChildExit& exit);
  void FollowEve();
  void HandleRecord(const EveRecord& record);
  void RotateEveIfLarge();

  const WatchOptions& options_;
  std::string subject_;
  AlertSpool spool_;
  MonitorAlerts health_;
  EveFollower eve_;
  RestartBackoff backoff_;
  std::unique_ptr<ChildProcess> child_;
  Clock::time_point started_at_{};
  std::optional<Clock::time_point> start_at_ = Clock::now();
  std::string output_partial_;
  CaptureDrops drops_;
  std::uint64_t starts_ = 0;
};

// Returns the exit status: 0 after SIGTERM/SIGINT, 1 when supervision gave up. Throws Error
// when the watch cannot begin (no spool, Suricata cannot be started at all).
int RunNetworkWatch(const WatchOptions& options);

}  // namespace virdomm::monitor
