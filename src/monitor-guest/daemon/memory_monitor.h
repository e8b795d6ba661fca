// The memory monitor of `domm-monitor run`: `memory baseline` at the first sight of DomU's
// kernel, then `memory watch`'s check each interval. With the bound target as its source it
// waits for the host's binding (checks stay paused while the pair is unbound or moving, and
// follow DomU's new domid after a move) and, with restart-on-new-target, reboots Domain M
// when DomU became a new domain. The interval and regions are the pairing's once the host
// published them, else the configuration's.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "alerts/alert_spool.h"
#include "alerts/monitor_alerts.h"
#include "daemon/console.h"
#include "daemon/daemon_config.h"
#include "daemon/monitor.h"
#include "daemon/pairing_settings.h"
#include "daemon/setting_refusals.h"
#include "memory/baseline.h"
#include "memory/binding_follower.h"
#include "memory/domain_restart.h"
#include "memory/jump_label_settling.h"
#include "memory/kernel_model.h"
#include "memory/memory_checker.h"

namespace virdomm::monitor {

class MemoryMonitor final : public Monitor {
 public:
  MemoryMonitor(const MemoryConfig& config, const std::filesystem::path& state_dir,
                const std::filesystem::path& alert_spool, PairingSettings& settings,
                const Console& console);
  ~MemoryMonitor() override;

  [[nodiscard]] std::string_view Name() const override { return "memory"; }
  [[nodiscard]] std::chrono::milliseconds Interval() const override;
  void Start() override;
  void Check() override;
  void Stop() override;
  [[nodiscard]] Health CurrentHealth() const override { return health_; }

 private:
  void Release();
  void ReadSettings();
  // Opens the memory and makes the checker: false while there is no bound target yet.
  bool Open();
  void MakeChecker();
  void Report(CheckReport& report);
  void Print(const std::string& line) const { console_.Print(Name(), line); }

  const MemoryConfig& config_;
  std::filesystem::path baseline_path_;
  std::filesystem::path key_path_;
  std::filesystem::path alert_spool_;
  PairingSettings& settings_;
  const Console& console_;
  std::uint32_t interval_ms_;
  std::vector<std::string> regions_;
  SettingRefusals refusals_;
  Health health_;

  std::optional<KernelModel> model_;
  std::unique_ptr<AlertSpool> spool_;
  std::unique_ptr<MonitorAlerts> alerts_;
  std::unique_ptr<BindingFollower> binding_;
  std::unique_ptr<RestartOnNewTarget> restarter_;
  std::unique_ptr<GuestMemory> memory_;
  XenForeignMemory* bound_target_ = nullptr;  // memory_ when it is the bound target's
  std::unique_ptr<KernelBaseline> baseline_;
  std::unique_ptr<MemoryChecker> checker_;
  std::unique_ptr<JumpLabelSettling> settling_;
  std::string settling_since_;
  std::string waiting_for_;  // the binding state last reported while waiting for one
};

}  // namespace virdomm::monitor
