#include "daemon/run_command.h"

#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "alerts/alert_spool.h"
#include "alerts/monitor_alerts.h"
#include "alerts/xenstore_home_keys.h"
#include "core/checker_cli.h"
#include "daemon/console.h"
#include "daemon/daemon_config.h"
#include "daemon/memory_monitor.h"
#include "daemon/network_monitor.h"
#include "daemon/pairing_settings.h"
#include "daemon/scheduler.h"
#include "daemon/signal_clock.h"
#include "daemon/storage_monitor.h"

namespace virdomm::monitor {
namespace {

// The exit codes every checker shares (core/checker_cli.h).
constexpr int kExitOk = ToStatus(ExitCode::kOk);
constexpr int kExitError = ToStatus(ExitCode::kError);
constexpr int kExitUsage = ToStatus(ExitCode::kUsage);

constexpr const char* kUsage =
    "Usage: domm-monitor run --config FILE [--json]\n\n"
    "Runs every monitor FILE enables in this one process, each on its own interval, until\n"
    "SIGTERM or SIGINT; then each makes one final check and the daemon exits 0. FILE is\n"
    "documented in the one installed (default " VIRDOMM_CONFIG_DIR
    "/monitor.conf); the Suricata configuration\n"
    "and rules it does not name are taken from FILE's directory.\n\n"
    "  memory   a baseline of DomU's kernel text and rodata at first sight (kept across\n"
    "           restarts of the daemon while DomU's kernel stays where it was), then one\n"
    "           check per interval; with the bound target as its source it waits for the\n"
    "           host's binding, pauses while the pair is unbound or moving, and (with\n"
    "           memory.restart-on-new-target) reboots this domain when DomU became a new one\n"
    "  storage  a baseline of DomU's disk image at the first look at it (one per image, in\n"
    "           the state directory), then a full file-integrity check per interval (the\n"
    "           scan runs on a thread of its own: memory checks go on meanwhile)\n"
    "  network  Suricata on the mirror NIC, supervised: its alerts, restarts and capture\n"
    "           drops\n\n"
    "Settings: the memory interval and regions and the disk image are the pairing's, as the\n"
    "host's hook publishes them in this domain's xenstore home (read again whenever the\n"
    "binding's generation changes); the configuration's values count until it does. A\n"
    "published value that does not parse is logged and reported in the monitor's health\n"
    "record, and the value in force stays.\n\n"
    "A monitor whose start or check fails is started again after 1 s, 2 s, 4 s ... up to 60 s.\n"
    "Every check updates the monitor's health record in the alert spool; alerts go to the\n"
    "spool, and `domm-monitor alerts publish` (domm-monitor-alerts.service) carries them to\n"
    "dom0.\n\n"
    "Output: one line per check on stdout, prefixed with the monitor's name (memory, storage,\n"
    "network); with --json the rest of a check's line is one JSON object, the report of\n"
    "`memory watch --json`, `storage check --json` or `network watch --json`. Baselines are\n"
    "announced as \"<monitor> baseline of ...\". Errors, restarts and the tools' own output go\n"
    "to stderr, prefixed the same way.\n\n"
    "Exit status: 0 stopped by a signal, 1 a final check failed or the daemon could not\n"
    "begin, 2 usage or configuration error.\n";

std::string_view EventWord(SchedulerEvent::Kind kind) {
  switch (kind) {
    case SchedulerEvent::Kind::kStarted:
      return "started";
    case SchedulerEvent::Kind::kFailed:
      return "failed";
    case SchedulerEvent::Kind::kStopped:
      return "stopped";
  }
  return "?";
}

std::vector<std::unique_ptr<Monitor>> MakeMonitors(const DaemonConfig& config,
                                                   PairingSettings& settings,
                                                   const Console& console) {
  std::vector<std::unique_ptr<Monitor>> monitors;
  if (config.memory) {
    monitors.push_back(std::make_unique<MemoryMonitor>(config.memory_config, config.state_dir,
                                                       config.alert_spool, settings, console));
  }
  if (config.storage) {
    monitors.push_back(std::make_unique<StorageMonitor>(config.storage_config, config.state_dir,
                                                        config.alert_spool, settings, console));
  }
  if (config.network) {
    monitors.push_back(
        std::make_unique<NetworkMonitor>(config.network_config, config.alert_spool, console));
  }
  return monitors;
}

int RunDaemon(const DaemonConfig& config, bool json) {
  SignalClock clock;  // first: every thread started after it has the signals blocked
  Console console(json);
  PairingSettings settings(config.pairing_settings ? std::function<std::unique_ptr<HomeKeys>()>([] {
    return std::make_unique<XenstoreHomeKeys>();
  })
                                                   : nullptr);
  AlertSpool spool(config.alert_spool);
  Scheduler scheduler(
      MakeMonitors(config, settings, console), clock, [&](const SchedulerEvent& event) {
        console.Error(event.monitor, std::string(EventWord(event.kind)) +
                                         (event.message.empty() ? "" : ": ") + event.message);
        if (event.kind == SchedulerEvent::Kind::kFailed) {
          // The health record says it, and dom0 gets one alert per outage.
          MonitorAlerts(spool, event.monitor).ObserveFailure(event.message, "domm-monitor run");
        }
      });
  return scheduler.Run() ? kExitOk : kExitError;
}

}  // namespace

int RunDaemonCli(std::span<char*> args) {
  std::string config_path = std::string(VIRDOMM_CONFIG_DIR) + "/monitor.conf";
  bool json = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string option = args[i];
    if (option == "--help" || option == "-h") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (option == "--json") {
      json = true;
    } else if (option == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else {
      std::cerr << "domm-monitor run: unknown option or missing value: '" << option << "'\n\n"
                << kUsage;
      return kExitUsage;
    }
  }
  DaemonConfig config;
  try {
    // Files the configuration does not name are looked for beside it: an installation under
    // another prefix than the build's (or a copy of the directory) stays consistent.
    std::filesystem::path config_dir = std::filesystem::absolute(config_path).parent_path();
    config = LoadDaemonConfig(config_path, {config_dir, VIRDOMM_STATE_DIR});
  } catch (const ConfigError& error) {
    std::cerr << "domm-monitor run: " << error.what() << "\n";
    return kExitUsage;
  }
  try {
    return RunDaemon(config, json);
  } catch (const std::exception& error) {
    std::cerr << "domm-monitor run: " << error.what() << "\n";
    return kExitError;
  }
}

}  // namespace virdomm::monitor
