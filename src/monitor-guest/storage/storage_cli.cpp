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

// Exit codes beyond the AIDE-style bitmask (1 added, 2 removed, 4 changed).
enum ExitCode : int {
  kExitOk = 0,
  kExitBaselineRefused = 14,  // tampered, truncated, wrong key, malformed
  kExitUsage = 15,
  kExitRules = 16,
  kExitSource = 17,  // image/tree unreadable, no ext2/3/4, XFS or btrfs, broken partition table
  kExitFileIo = 18,  // baseline or key file missing or unwritable
  kExitInternal = 19,
};

constexpr const char* kUsage =
    "Usage: domm-monitor storage <command> [options]\n\n"
    "Commands:\n"
    "  init     scan the source and write a new signed baseline (--db must not exist)\n"
    "  check    verify the baseline, scan, report differences (exit bits 1 added,\n"
    "           2 removed, 4 changed)\n"
    "  update   like check, then replace the baseline atomically with the current state\n"
    "  keygen   write a new 32-byte HMAC key to --key (mode 0600)\n"
    "  rules    print the default rules\n"
    "  explain  print which rule decides each --path\n\n"
    "Errors: 14 baseline refused, 15 usage, 16 rules, 17 source unreadable, 18 file I/O,\n"
    "19 internal.\n";

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
  HmacKey key = LoadKey(options.key);
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
    return kExitOk;
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
  return report.ExitBits();
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
  return kExitOk;
}

}  // namespace

int RunStorageCli(std::span<char*> args) {
  // Keep freed memory in the process instead of returning it to the kernel: a scan builds and
  // drops large vectors, and page faults are expensive on the virtual machines this runs in.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  Options options;
  unsigned workers = std::max(1U, std::thread::hardware_concurrency());
  po::options_description described("Options");
  described.add_options()("help,h", "show this help")("image", po::value(&options.source.image),
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
  po::options_description hidden;
  hidden.add_options()("command", po::value(&options.command));
  po::options_description all;
  all.add(described).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1);
  po::variables_map vm;
  try {
    // args[0] ("storage") plays the program name for the parser.
    auto argc = static_cast<int>(args.size());
    po::store(po::command_line_parser(argc, args.data()).options(all).positional(positional).run(),
              vm);
    po::notify(vm);
  } catch (const po::error& error) {
    std::cerr << "domm-monitor storage: " << error.what() << "\n" << kUsage;
    return kExitUsage;
  }
  if (vm.count("help") != 0 || options.command.empty()) {
    (options.command.empty() && vm.count("help") == 0 ? std::cerr : std::cout) << kUsage << "\n"
                                                                               << described;
    return vm.count("help") != 0 ? kExitOk : kExitUsage;
  }
  auto usage_error = [&](const std::string& message) {
    std::cerr << "domm-monitor storage " << options.command << ": " << message << "\n";
    return kExitUsage;
  };
  std::string progress = vm["progress"].as<std::string>();
  if (progress != "auto" && progress != "always" && progress != "never") {
    return usage_error("--progress takes auto, always or never");
  }
  options.scan.progress =
      progress == "always" || (progress == "auto" && Progress::StderrIsTerminal());
  options.scan.workers = std::max(1U, workers);
  try {
    if (options.command == "rules") {
      std::cout << DefaultRulesText();
      return kExitOk;
    }
    if (options.command == "explain") {
      if (options.explain_paths.empty()) return usage_error("give at least one --path");
      return RunExplain(options);
    }
    if (options.command == "keygen") {
      if (options.key.empty()) return usage_error("--key is required");
      GenerateKeyFile(options.key);
      return kExitOk;
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
    std::cerr << "domm-monitor storage: " << error.what() << "\n";
    return kExitBaselineRefused;
  } catch (const RulesError& error) {
    std::cerr << "domm-monitor storage: rules: " << error.what() << "\n";
    return kExitRules;
  } catch (const SourceError& error) {
    std::cerr << "domm-monitor storage: " << error.what() << "\n";
    return kExitSource;
  } catch (const Error& error) {
    std::cerr << "domm-monitor storage: " << error.what() << "\n";
    return kExitFileIo;
  } catch (const std::exception& error) {
    std::cerr << "domm-monitor storage: internal error: " << error.what() << "\n";
    return kExitInternal;
  }
}

}  // namespace virdomm::monitor
