// `domm-monitor storage init|check|update|keygen|rules|explain`: options, exit codes, output.
#include "storage/storage_cli.h"

#include <boost/program_options.hpp>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <malloc.h>
#include <unistd.h>

#include "common/utc_time.h"
#include "core/checker_cli.h"
#include "core/digest.h"
#include "core/signing_key.h"
#include "storage/baseline_db.h"
#include "storage/compare.h"
#include "storage/ext_source.h"
#include "storage/progress.h"
#include "storage/report_format.h"
#include "storage/rules.h"
#include "storage/storage_check.h"
#include "storage/storage_findings.h"
#include "storage/storage_scan.h"

namespace virdomm::monitor {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: domm-monitor storage <command> [options]\n\n"
    "Commands:\n"
    "  init     scan the source and write a new signed baseline (--db must not exist)\n"
    "  check    verify the baseline, scan, report differences\n"
    "  update   like check, then replace the baseline atomically with the current state\n"
    "  keygen   write a new 32-byte HMAC key to --key (mode 0600)\n"
    "  rules    print the default rules\n"
    "  explain  print which rule decides each --path\n\n"
    "Exit status: 0 no differences; 8 + bits 1 added, 2 removed, 4 changed (9..15) when\n"
    "check or update found differences; 1 error (file I/O, key), 2 usage, 5 baseline refused,\n"
    "6 rules invalid, 7 source unreadable.\n";

struct Options {
  std::string command;
  SourceSpec source;
  std::string db;
  std::string key;
  std::string rules_path;
  std::vector<std::string> explain_paths;
  std::string alert_spool;
  bool json = false;
  bool force = false;
  ScanOptions scan;
};

int RunScanCommand(const Options& options) {
  StorageRules rules = LoadStorageRules(options.rules_path);
  std::vector<uint8_t> key = LoadKeyFile(options.key);
  Baseline old_baseline;
  if (options.command != "init") {
    old_baseline = ReadBaselineFile(options.db, key);  // verified before anything else
  } else if (!options.force && ::access(options.db.c_str(), F_OK) == 0) {
    throw Error("baseline " + options.db + " exists; use 'update' or --force");
  }
  StorageScan scan = ScanForBaseline(options.source, rules, options.scan);
  for (const std::string& warning : scan.warnings) {
    std::cerr << "domm-monitor storage: warning: " << warning << "\n";
  }
  const Baseline& new_baseline = scan.baseline;
  if (options.command == "init") {
    if (size_t errors = UnreadableFiles(new_baseline); errors > 0) {
      std::cerr << "domm-monitor storage: warning: " << errors
                << " files could not be read completely; their errors are part of the baseline\n";
    }
    WriteBaselineFile(options.db, new_baseline, key);
    std::cerr << "domm-monitor storage: baseline of " << new_baseline.records.size()
              << " files written to " << options.db << "\n";
    return ToStatus(ExitCode::kOk);
  }
  Report report = CompareWithBaseline(old_baseline, scan);
  std::cout << (options.json ? FormatReportJson(report) : FormatReportText(report));
  std::cout.flush();
  if (!options.alert_spool.empty()) {
    AlertSpool spool(options.alert_spool);
    MonitorAlerts(spool, "storage").Observe(FindingsOf(report), scan.baseline.source);
  }
  if (options.command == "update") {
    WriteBaselineFile(options.db, new_baseline, key);
    std::cerr << "domm-monitor storage: baseline " << options.db << " replaced ("
              << new_baseline.records.size() << " files)\n";
  }
  int bits = report.ExitBits();
  return bits == 0 ? ToStatus(ExitCode::kOk) : ToStatus(ExitCode::kDifferences) + bits;
}

int RunExplain(const Options& options) {
  StorageRules rules = LoadStorageRules(options.rules_path);
  for (const std::string& path : options.explain_paths) {
    RuleDecision decision = rules.rules.Match(path);
    std::cout << path << ": "
              << (decision.line == 0  ? "no rule matches: not checked"
                  : decision.selected ? "line " + std::to_string(decision.line) + ": " +
                                            AttributeSetToString(decision.attributes)
                                      : "line " + std::to_string(decision.line) + ": excluded")
              << "\n";
  }
  return ToStatus(ExitCode::kOk);
}

}  // namespace

int RunStorageCli(std::span<char*> args) {
  // Keep freed memory in the process instead of returning it to the kernel: a scan builds and
  // drops large vectors, and page faults are expensive on the virtual machines this runs in.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  Options options;
  unsigned workers = std::max(1U, std::thread::hardware_concurrency());
  CheckerCommandLine cli("storage", kUsage);
  cli.Add()("image", po::value(&options.source.image),
            "raw disk image or block device (read-only)")(
      "partition", po::value(&options.source.partitions)->composing(),
      "N, N:/mountpoint, VG/LV or VG/LV:/mountpoint (an LVM2 logical volume); repeatable "
      "(default: every ext2/3/4, XFS or btrfs partition and logical volume)")(
      "root", po::value(&options.source.root), "directory tree instead of an image")(
      "db", po::value(&options.db), "baseline database file")("key", po::value(&options.key),
                                                              "HMAC key file (see keygen)")(
      "rules", po::value(&options.rules_path), "rules file (default: built-in, see 'rules')")(
      "json", po::bool_switch(&options.json), "JSON report instead of text")(
      "workers", po::value(&workers), "hashing threads (default: number of CPUs)")(
      "progress", po::value<std::string>()->default_value("auto"), "auto|always|never")(
      "force", po::bool_switch(&options.force), "init: overwrite an existing baseline")(
      "max-file-size", po::value(&options.scan.limits.max_file_size),
      "bytes; larger files are recorded but not hashed")(
      "path", po::value(&options.explain_paths)->composing(), "explain: a guest path")(
      "alert-spool", po::value(&options.alert_spool),
      "check/update: raise an alert into this spool (see 'domm-monitor alerts') when the\n"
      "differences are not those last raised, and when they are gone");
  if (std::optional<int> done = cli.Parse(args)) {
    return *done;
  }
  options.command = cli.Command();
  auto usage_error = [&cli](const std::string& message) { return cli.UsageError(message); };
  std::string progress = cli.Values()["progress"].as<std::string>();
  if (progress != "auto" && progress != "always" && progress != "never") {
    return usage_error("--progress takes auto, always or never");
  }
  options.scan.progress =
      progress == "always" || (progress == "auto" && Progress::StderrIsTerminal());
  options.scan.workers = std::max(1U, workers);
  try {
    if (options.command == "rules") {
      std::cout << DefaultRulesText();
      return ToStatus(ExitCode::kOk);
    }
    if (options.command == "explain") {
      if (options.explain_paths.empty()) return usage_error("give at least one --path");
      return RunExplain(options);
    }
    if (options.command == "keygen") {
      if (options.key.empty()) return usage_error("--key is required");
      GenerateKeyFile(options.key);
      return ToStatus(ExitCode::kOk);
    }
    if (options.command != "init" && options.command != "check" && options.command != "update") {
      return usage_error("unknown command (init, check, update, keygen, rules, explain)");
    }
    if (options.source.image.empty() == options.source.root.empty()) {
      return usage_error("give exactly one of --image and --root");
    }
    if (!options.source.root.empty() && !options.source.partitions.empty()) {
      return usage_error("--partition needs --image");
    }
    if (options.db.empty() || options.key.empty())
      return usage_error("--db and --key are required");
    return RunScanCommand(options);
  } catch (const BaselineError& error) {
    return cli.Failure(ExitCode::kBaselineRefused, error.what());
  } catch (const RulesError& error) {
    return cli.Failure(ExitCode::kRules, std::string("rules: ") + error.what());
  } catch (const SourceError& error) {
    return cli.Failure(ExitCode::kSource, error.what());
  } catch (const std::exception& error) {
    return cli.Failure(ExitCode::kError, error.what());
  }
}

}  // namespace virdomm::monitor
