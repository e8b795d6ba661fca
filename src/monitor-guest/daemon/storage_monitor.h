// The storage monitor of `domm-monitor run`: `storage check` of DomU's disk image every
// interval, against a baseline per image that the first look at it makes when there is none
// (what `storage keygen` and `storage init` do by hand). The image is the pairing's
// <storage source> once the host publishes one, else the configuration's.
// A scan reads the whole image, for seconds to minutes: it runs on a thread of its own, so
// that the daemon's one scheduling thread goes on checking memory meanwhile. Check starts a
// scan, later Checks (every kPollWhileScanning) report it once it is done; Stop waits for it.
#pragma once

#include <filesystem>
#include <future>
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

  static constexpr std::chrono::milliseconds kPollWhileScanning{200};

  StorageMonitor(const StorageMonitor&) = delete;
  StorageMonitor& operator=(const StorageMonitor&) = delete;
  ~StorageMonitor() override;

  [[nodiscard]] std::string_view Name() const override { return "storage"; }
  [[nodiscard]] std::chrono::milliseconds Interval() const override;
  void Start() override;
  void Check() override;
  void Stop() override;
  [[nodiscard]] Health CurrentHealth() const override { return health_; }

  // The baseline file of `image` in `state_dir`: one per image, named after its path.
  static std::filesystem::path BaselineFor(const std::filesystem::path& state_dir,
                                           const std::filesystem::path& image);

 private:
  // A scan under way, and what its result is for.
  struct Scan {
    std::future<StorageScan> result;
    std::filesystem::path db;
    std::optional<Baseline> baseline;  // the trusted one to compare with; nullopt: make it
  };
  std::filesystem::path Image();
  void BeginScan();
  void Finish(Scan& scan);
  void WriteBaseline(const StorageScan& scan, const std::filesystem::path& db);
  void ReportCheck(const Baseline& baseline, const StorageScan& scan);

  const StorageConfig& config_;
  std::filesystem::path state_dir_;
  std::filesystem::path key_path_;  // <state dir>/storage.key, which signs every baseline
  std::filesystem::path alert_spool_;
  PairingSettings& settings_;
  const Console& console_;
  std::optional<StorageRules> rules_;
  std::unique_ptr<AlertSpool> spool_;
  std::unique_ptr<MonitorAlerts> alerts_;
  SettingRefusals refusals_;
  Health health_;
  std::optional<Scan> scan_;
};

}  // namespace virdomm::monitor
