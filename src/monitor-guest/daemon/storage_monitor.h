// The storage monitor of `domm-monitor run`: `storage check` of DomU's disk image every
// interval, against a baseline per image that Start's first look makes when there is none
// (what `storage keygen` and `storage init` do by hand). The image is the pairing's
// <storage source> once the host publishes one, else the configuration's.
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
#include "storage/storage_check.h"

namespace virdomm::monitor {

class StorageMonitor final : public Monitor {
 public:
  StorageMonitor(const StorageConfig& config, const std::filesystem::path& state_dir,
                 const std::filesystem::path& alert_spool, PairingSettings& settings,
                 const Console& console);

  [[nodiscard]] std::string_view Name() const override { return "storage"; }
  [[nodiscard]] std::chrono::milliseconds Interval() const override;
  void Start() override;
  void Check() override;
  void Stop() override { Check(); }
  [[nodiscard]] Health CurrentHealth() const override { return health_; }

  // The baseline file of `image` in `state_dir`: one per image, named after its path.
  static std::filesystem::path BaselineFor(const std::filesystem::path& state_dir,
                                           const std::filesystem::path& image);

 private:
  std::filesystem::path Image();
  void MakeBaseline(const std::filesystem::path& image, const std::filesystem::path& db);

  const StorageConfig& config_;
  std::filesystem::path state_dir_;
  std::filesystem::path alert_spool_;
  PairingSettings& settings_;
  const Console& console_;
  std::optional<StorageRules> rules_;
  std::unique_ptr<AlertSpool> spool_;
  std::unique_ptr<MonitorAlerts> alerts_;
  SettingRefusals refusals_;
  Health health_;
};

}  // namespace virdomm::monitor
