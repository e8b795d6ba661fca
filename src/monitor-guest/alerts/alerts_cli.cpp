#include "alerts/alerts_cli.h"

#include <array>
#include <boost/program_options.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_publisher.h"
#include "alerts/alert_spool.h"
#include "alerts/xenstore_home_keys.h"
#include "common/error.h"
#include "common/utc_time.h"
#include "core/checker_cli.h"

namespace virdomm::monitor {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: domm-monitor alerts <command> --spool DIR [options]\n\n"
    "Commands:\n"
    "  publish  carry the spool's alerts and the monitors' health to dom0 through this\n"
    "           domain's xenstore home, and drop what dom0 acknowledged; runs until stopped\n"
    "           (with --once: one round)\n"
    "  raise    add one alert to the spool (--monitor, --severity, --summary, --finding)\n"
    "  list     print the alerts dom0 has not acknowledged yet, one JSON object a line\n\n"
    "The memory and storage checkers raise alerts themselves with --alert-spool DIR.\n\n"
    "Exit status: 0 done, 1 error (publish --once: the round failed), 2 usage.\n";

struct Options {
  std::string command;
  std::string spool;
  unsigned interval_ms = 500;
  bool once = false;
  std::size_t capacity = AlertSpool::kDefaultCapacity;
  Alert alert{"", "", "warning", "", {}};
};

// Xenstore errors (dom0's xenstored restarting, this domain moving) are retried with a fresh
// connection; each distinct message is printed once, so a long outage is one line, not many.
int RunPublisher(AlertSpool& spool, const Options& options) {
  AlertPublisher publisher(spool);
  std::unique_ptr<XenstoreHomeKeys> keys;
  std::string last_error;
  std::cerr << "domm-monitor alerts: publishing spool " << spool.Id() << " from "
            << spool.Directory().string() << "\n";
  while (true) {
    try {
      if (!keys) {
        keys = std::make_unique<XenstoreHomeKeys>();
      }
      PublishRound round = publisher.RunOnce(*keys);
      if (round.published > 0 || round.acknowledged > 0) {
        std::cerr << "domm-monitor alerts: published " << round.published
                  << (round.acknowledged > 0
                          ? ", dom0 acknowledged through seq " + std::to_string(round.acknowledged)
                          : std::string())
                  << ", " << round.pending << " waiting\n";
      }
      if (round.refused_ack && *round.refused_ack != last_error) {
        std::cerr << "domm-monitor alerts: acknowledgement refused: " << *round.refused_ack << "\n";
        last_error = *round.refused_ack;
      }
    } catch (const std::exception& error) {
      if (error.what() != last_error) {
        std::cerr << "domm-monitor alerts: " << error.what()
                  << (options.once ? "\n" : " (retrying)\n");
        last_error = error.what();
      }
      keys.reset();
      if (options.once) {
        return ToStatus(ExitCode::kError);
      }
    }
    if (options.once) {
      return ToStatus(ExitCode::kOk);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.interval_ms));
  }
}

int RunCommand(const Options& options) {
  AlertSpool spool(options.spool, options.capacity);
  if (options.command == "publish") {
    return RunPublisher(spool, options);
  }
  if (options.command == "raise") {
    Alert alert = options.alert;
    alert.time = UtcNow();
    std::cout << "alert seq " << spool.Append(alert) << " in spool " << spool.Id() << "\n";
    return ToStatus(ExitCode::kOk);
  }
  if (options.command == "list") {
    for (const SpooledAlert& alert : spool.Pending(options.capacity + 1)) {
      std::cout << alert.json << "\n";
    }
    return ToStatus(ExitCode::kOk);
  }
  throw Error("unknown command '" + options.command + "' (publish, raise, list)");
}

}  // namespace

int RunAlertsCli(std::span<char*> args) {
  Options options;
  CheckerCommandLine cli("alerts", kUsage);
  cli.Add()("spool", po::value(&options.spool), "the spool directory (on Domain M's own disk)")(
      "interval-ms", po::value(&options.interval_ms), "publish: milliseconds between rounds")(
      "once", po::bool_switch(&options.once), "publish: one round, then exit")(
      "capacity", po::value(&options.capacity),
      "alerts the spool keeps at most; the oldest go first (default 1000)")(
      "monitor", po::value(&options.alert.monitor), "raise: the monitor's name")(
      "severity", po::value(&options.alert.severity), "raise: info, warning or critical")(
      "summary", po::value(&options.alert.summary), "raise: one line")(
      "finding", po::value(&options.alert.findings)->composing(), "raise: a finding; repeatable");
  if (std::optional<int> done = cli.Parse(args)) {
    return *done;
  }
  options.command = cli.Command();
  std::string problem;
  if (options.spool.empty()) {
    problem = "--spool DIR is required";
  } else if (options.command == "raise" &&
             (options.alert.monitor.empty() || options.alert.summary.empty())) {
    problem = "raise needs --monitor and --summary";
  } else if (options.command == "raise" && options.alert.severity != "info" &&
             options.alert.severity != "warning" && options.alert.severity != "critical") {
    problem = "--severity takes info, warning or critical";
  }
  if (!problem.empty()) {
    return cli.UsageError(problem);
  }
  try {
    return RunCommand(options);
  } catch (const std::exception& error) {
    return cli.Failure(ExitCode::kError, error.what());
  }
}

}  // namespace virdomm::monitor
