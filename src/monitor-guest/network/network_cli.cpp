#include "network/network_cli.h"

#include <boost/program_options.hpp>
#include <iostream>
#include <string>

#include "common/error.h"
#include "core/checker_cli.h"
#include "network/network_watch.h"

namespace virdomm::monitor {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: domm-monitor network watch --interface IF --alert-spool DIR [options]\n\n"
    "Runs Suricata on IF, the receive-only NIC onto which dom0's hook mirrors both directions\n"
    "of DomU's traffic, and supervises it: its eve.json is followed as it grows, each alert\n"
    "becomes an alert of monitor \"network\" in the spool (severity from the rule's priority:\n"
    "1 critical, 2 warning, 3+ info), capture drops a warning. A Suricata that dies is\n"
    "restarted after 1 s, 2 s, 4 s ... up to 30 s (back to 1 s after a run of 60 s); after\n"
    "--max-restarts restarts within --restart-window the watch gives up and exits 1. SIGTERM\n"
    "and SIGINT stop Suricata (SIGTERM, SIGKILL after 10 s) and end the watch with 0.\n"
    "Prints one line per event (one JSON object with --json); Suricata's own output goes to\n"
    "stderr, each line prefixed with suricata[PID].\n\n"
    "Exit status: 0 stopped by a signal, 1 error or gave up, 2 usage.\n";

}  // namespace

int RunNetworkCli(std::span<char*> args) {
  WatchOptions options;
  options.suricata = "/usr/bin/suricata";
  options.config = std::string(VIRDOMM_CONFIG_DIR) + "/virdomm-suricata.yaml";
  options.rules = std::string(VIRDOMM_CONFIG_DIR) + "/virdomm.rules";
  options.log_dir = std::string(VIRDOMM_STATE_DIR) + "/network";
  std::string suricata = options.suricata.string();
  std::string config = options.config.string();
  std::string rules = options.rules.string();
  std::string log_dir = options.log_dir.string();
  std::string spool;
  unsigned window_s = 300;
  CheckerCommandLine cli("network", kUsage);
  cli.Add()("interface", po::value(&options.interface), "the mirror NIC Suricata captures on")(
      "alert-spool", po::value(&spool), "raise alerts into this spool (see 'domm-monitor alerts')")(
      "suricata", po::value(&suricata)->default_value(suricata), "the Suricata binary")(
      "config", po::value(&config)->default_value(config), "Suricata's configuration")(
      "rules", po::value(&rules)->default_value(rules), "the rule file, loaded alone (-S)")(
      "log-dir", po::value(&log_dir)->default_value(log_dir),
      "Suricata's log directory (eve.json; the one an earlier watch left becomes eve.json.1)")(
      "json", po::bool_switch(&options.json), "one JSON object per line")(
      "max-restarts", po::value(&options.restarts.max_restarts)->default_value(5),
      "restarts allowed within the window before giving up")(
      "restart-window", po::value(&window_s)->default_value(window_s), "that window, in seconds")(
      "eve-max-bytes", po::value(&options.eve_max_bytes)->default_value(options.eve_max_bytes),
      "rotate eve.json to eve.json.1 beyond this size (Suricata reopens it on SIGHUP)");
  if (std::optional<int> done = cli.Parse(args)) {
    return *done;
  }
  std::string problem;
  if (cli.Command() != "watch") {
    problem = "unknown command '" + cli.Command() + "' (watch)";
  } else if (options.interface.empty()) {
    problem = "--interface IF is required";
  } else if (spool.empty()) {
    problem = "--alert-spool DIR is required";
  } else if (options.restarts.max_restarts == 0 || window_s == 0) {
    problem = "--max-restarts and --restart-window must be at least 1";
  }
  if (!problem.empty()) {
    return cli.UsageError(problem);
  }
  options.suricata = suricata;
  options.config = config;
  options.rules = rules;
  options.log_dir = log_dir;
  options.alert_spool = spool;
  options.restarts.window = std::chrono::seconds(window_s);
  try {
    return RunNetworkWatch(options);
  } catch (const std::exception& error) {
    return cli.Failure(ExitCode::kError, error.what());
  }
}

}  // namespace virdomm::monitor
