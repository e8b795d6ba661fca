// `domm-monitor memory locate|baseline|check|ack|watch`: option parsing and the command flow;
// the work is done by the layers (GuestMemory, KernelModel, locator, checker).
#include "memory/memory_cli.h"

#include <syslog.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/error.h"
#include "common/hex.h"
#include "common/json_writer.h"
#include "common/protocol/binding_state.h"
#include "core/checker_cli.h"
#include "core/signing_key.h"
#include "memory/baseline.h"
#include "memory/binding_follower.h"
#include "memory/domain_restart.h"
#include "memory/file_memory.h"
#include "memory/jump_label_settling.h"
#include "memory/kernel_locator.h"
#include "memory/kernel_model.h"
#include "memory/memory_checker.h"
#include "memory/memory_findings.h"
#include "memory/report_format.h"
#include "memory/xen_foreign_memory.h"

namespace virdomm::monitor {
namespace {

struct MemoryOptions {
  std::string command;
  std::optional<uint32_t> domid;
  bool domid_from_binding = false;  // --xen-domid target: the DomU the hook bound us to
  unsigned target_wait_s = 120;
  bool restart_on_new_target = false;  // --restart-on-new-target
  std::optional<std::string> memory_file;
  LayoutSpec layout;
  std::optional<uint64_t> guest_memory;
  KernelSources kernel;
  bool have_kernel = false;
  std::optional<std::string> baseline;
  std::optional<std::string> key;
  bool json = false;
  bool watch = false;
  unsigned interval_ms = 1000;
  unsigned settle_ms = 30000;  // watch: how long a jump-label flip must last to be reported
  uint64_t count = 0;          // watch: checks to run, 0 = until stopped
  std::optional<std::string> ack_at;
  std::optional<std::string> alert_spool;  // watch: raise alerts into this spool
};

void PrintUsage(std::ostream& out) {
  out << "Usage: domm-monitor memory <command> [options]\n\n"
         "Commands:\n"
         "  locate     find the kernel in guest memory, print version, placement, KASLR offset\n"
         "  baseline   copy the running kernel's text and rodata into a signed baseline file\n"
         "  check      compare live text/rodata with the baseline (--watch to repeat)\n"
         "  watch      check every --interval-ms, one JSON line per check with --json\n"
         "  ack        accept classified runtime patches (kprobe, ftrace, jump label, static\n"
         "             call) into the baseline; unknown changes are never accepted\n"
         "  keygen     write a new 32-byte key to --key (mode 0600; never replaces a file)\n\n"
         "Memory source (one):\n"
         "  --xen-domid D | --domid D    Xen domain D via libxenforeignmemory (read-only);\n"
         "                               D = target: in Domain M, the DomU the host's hook\n"
         "                               bound it to (waits for the binding)\n"
         "  --target-wait SECONDS        how long to wait for that binding (default 120)\n"
         "  --restart-on-new-target      watch: when the hook says DomU runs as a new domain\n"
         "                               (binding \"restart\": a reboot, a restore of DomU\n"
         "                               alone), reboot this Domain M; libvirt recreates it\n"
         "                               (<on_reboot>restart</on_reboot>) and the hook binds\n"
         "                               the new one, since Xen sets a target once. Without\n"
         "                               it checks stay paused until M is restarted\n"
         "  --file PATH | --memory-file PATH\n"
         "                               QEMU memory-backend-file RAM file or raw dump\n"
         "  --layout q35|pc|flat|lowmem=SIZE\n"
         "                               guest-physical layout of the file (default q35)\n"
         "  --guest-memory SIZE          Xen: RAM size bound (default: xenstore static-max)\n"
         "Kernel:\n"
         "  --kernel VMLINUZ             the guest's kernel image (bzImage or vmlinux)\n"
         "  --system-map FILE            a real System.map (default: decoded kallsyms)\n"
         "  --symbols-elf FILE           the -dbg package's vmlinux, for its symbol table\n"
         "Baseline:\n"
         "  --baseline FILE --key KEYFILE  signed with HMAC-SHA256 under the key file (16 to\n"
         "                               4096 bytes, no access for group or others)\n"
         "Alerts:\n"
         "  --alert-spool DIR            watch: raise an alert into this spool (see\n"
         "                               'domm-monitor alerts') whenever the set of changes\n"
         "                               differs from the last one raised, and when it is\n"
         "                               clean again; every check updates the health record\n"
         "Output and loop:\n"
         "  --json  --watch  --interval-ms N  --count N  --at LOCATION (ack: only this change)\n"
         "  --settle-ms N                watch: report a jump-label flip once it has lasted N ms\n"
         "                               (default 30000; 0: all at once). The kernel flips some\n"
         "                               static keys back within seconds; the freezer's own\n"
         "                               (around every save, restore or migration of the\n"
         "                               guest) are held for as long as they last\n\n"
         "Exit status: 0 clean, 1 error, 2 usage, 3 classified changes only, 4 unknown or\n"
         "rodata changes (critical), 5 baseline refused (altered, truncated, another key).\n";
}

uint64_t ParseUnsigned(const std::string& text, const std::string& option) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw Error(option + ": expected a number, got '" + text + "'");
  }
  return value;
}

uint64_t ParseBytes(const std::string& text, const std::string& option) {
  LayoutSpec spec = ParseLayoutSpec("lowmem=" + text);  // shares the SIZE syntax
  (void)option;
  return spec.lowmem;
}

MemoryOptions ParseOptions(std::span<char*> args) {
  MemoryOptions options;
  if (args.size() < 2) {
    throw Error("no command given");
  }
  options.command = args[1];
  if (options.command.starts_with("-")) {
    throw Error("no command given (options come after the command)");
  }
  if (options.command != "locate" && options.command != "baseline" && options.command != "check" &&
      options.command != "watch" && options.command != "ack" && options.command != "keygen") {
    throw Error("unknown command (locate, baseline, check, watch, ack, keygen)");
  }
  for (std::size_t i = 2; i < args.size(); ++i) {
    std::string option = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        throw Error(option + " needs a value");
      }
      return args[++i];
    };
    if (option == "--xen-domid" || option == "--domid") {
      std::string domid = value();
      if (domid == "target") {
        options.domid_from_binding = true;
        options.domid = 0;  // learnt when the memory is opened
      } else {
        options.domid = static_cast<uint32_t>(ParseUnsigned(domid, option));
      }
    } else if (option == "--target-wait") {
      options.target_wait_s = static_cast<unsigned>(ParseUnsigned(value(), option));
    } else if (option == "--file" || option == "--memory-file") {
      options.memory_file = value();
    } else if (option == "--layout") {
      options.layout = ParseLayoutSpec(value());
    } else if (option == "--guest-memory") {
      options.guest_memory = ParseBytes(value(), option);
    } else if (option == "--kernel") {
      options.kernel.kernel = value();
      options.have_kernel = true;
    } else if (option == "--system-map") {
      options.kernel.system_map = value();
    } else if (option == "--symbols-elf") {
      options.kernel.symbols_elf = value();
    } else if (option == "--baseline") {
      options.baseline = value();
    } else if (option == "--key") {
      options.key = value();
    } else if (option == "--json") {
      options.json = true;
    } else if (option == "--alert-spool") {
      options.alert_spool = value();
    } else if (option == "--restart-on-new-target") {
      options.restart_on_new_target = true;
    } else if (option == "--watch") {
      options.watch = true;
    } else if (option == "--interval-ms" || option == "--interval") {
      options.interval_ms = static_cast<unsigned>(ParseUnsigned(value(), option));
    } else if (option == "--settle-ms") {
      options.settle_ms = static_cast<unsigned>(ParseUnsigned(value(), option));
    } else if (option == "--count") {
      options.count = ParseUnsigned(value(), option);
    } else if (option == "--at") {
      options.ack_at = value();
    } else {
      throw Error("unknown option '" + option + "'");
    }
  }
  if (options.command == "keygen") {
    if (!options.key) {
      throw Error("--key KEYFILE is required");
    }
    return options;
  }
  if (options.domid.has_value() == options.memory_file.has_value()) {
    throw Error("give exactly one memory source: --xen-domid D or --file PATH");
  }
  if (!options.have_kernel) {
    throw Error("--kernel VMLINUZ is required");
  }
  if (options.command != "locate" && (!options.baseline || !options.key)) {
    throw Error(options.command + " needs --baseline FILE and --key KEYFILE");
  }
  return options;
}

// The memory source; `xen` is set when it is Xen memory of the DomU this Domain M is bound to,
// which a move re-binds under a new domid.
struct OpenedMemory {
  std::unique_ptr<GuestMemory> memory;
  XenForeignMemory* xen_bound_target = nullptr;
};

OpenedMemory OpenMemory(const MemoryOptions& options) {
  if (options.domid) {
    uint32_t domid = options.domid_from_binding
                         ? WaitForBoundTarget(std::chrono::seconds(options.target_wait_s))
                         : *options.domid;
    auto xen = std::make_unique<XenForeignMemory>(domid, options.guest_memory);
    XenForeignMemory* bound = options.domid_from_binding ? xen.get() : nullptr;
    return {std::move(xen), bound};
  }
  return {std::make_unique<FileMemory>(*options.memory_file, options.layout), nullptr};
}

int ExitFor(Severity severity) {
  switch (severity) {
    case Severity::kNone:
      return ToStatus(ExitCode::kOk);
    case Severity::kWarning:
      return ToStatus(ExitCode::kClassified);
    case Severity::kCritical:
      return ToStatus(ExitCode::kCritical);
  }
  return ToStatus(ExitCode::kError);
}

int RunWatch(MemoryChecker& checker, const MemoryOptions& options, XenForeignMemory* bound_target) {
  openlog("domm-monitor", LOG_PID, LOG_DAEMON);
  BindingFollower binding(options.domid_from_binding, options.restart_on_new_target, options.json,
                          [](const std::string& line) { std::cout << line << std::flush; });
  std::optional<RestartOnNewTarget> restarter;
  if (options.domid_from_binding && options.restart_on_new_target) {
    restarter.emplace([&binding](const BindingView& now) { binding.AnnounceNewTarget(now); });
  }
  Severity worst = Severity::kNone;
  std::string settling_since = binding.Instance();
  JumpLabelSettling settling{std::chrono::milliseconds(options.settle_ms)};
  std::optional<AlertSpool> spool;
  std::optional<MonitorAlerts> alerts;
  if (options.alert_spool) {
    alerts.emplace(spool.emplace(*options.alert_spool), "memory");
  }
  for (uint64_t done = 0, round = 0; options.count == 0 || done < options.count; ++round) {
    if (round > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options.interval_ms));
    }
    if (binding.Paused(bound_target, false)) {
      continue;  // --count counts checks made, not rounds
    }
    ++done;
    CheckReport report = checker.Check();
    if (binding.Paused(bound_target, true)) {
      continue;  // the DomU left while this check read it: what it saw is not a running DomU
    }
    if (binding.Instance() != settling_since) {
      settling.Restart();  // a new binding: DomU was resumed, and its freezer is thawing
      settling_since = binding.Instance();
    }
    settling.Apply(report, JumpLabelSettling::Clock::now());
    worst = std::max(worst, report.Worst());
    if (options.json) {
      std::cout << FormatCheckJson(report) + "\n" << std::flush;
    } else if (!report.changes.empty() || done == 1) {
      std::cout << FormatCheckText(report) << std::flush;
    }
    LogChangesToSyslog(report);
    if (alerts) {
      alerts->Observe(FindingsOf(report), report.memory);
    }
  }
  closelog();
  return ExitFor(worst);
}

int RunCommand(const MemoryOptions& options) {
  if (options.command == "keygen") {
    GenerateKeyFile(*options.key);
    return ToStatus(ExitCode::kOk);
  }
  KernelModel model = LoadKernelModel(options.kernel);
  OpenedMemory opened = OpenMemory(options);
  std::unique_ptr<GuestMemory>& memory = opened.memory;
  if (options.command == "locate") {
    KernelPlacement placement = LocateKernel(*memory, model);
    std::cout << (options.json ? FormatLocateJson(model, placement, memory->Describe()) + "\n"
                               : FormatLocateText(model, placement, memory->Describe()));
    return ToStatus(ExitCode::kOk);
  }
  std::vector<uint8_t> key = LoadKeyFile(*options.key);
  if (options.command == "baseline") {
    KernelPlacement placement = LocateKernel(*memory, model);
    KernelBaseline baseline = TakeBaseline(*memory, model, placement);
    SaveBaseline(*options.baseline, baseline, key);
    std::cout << "baseline of " << model.release << " (" << baseline.Bytes()
              << " bytes of text and rodata, sha256 " << HexEncode(baseline.ContentDigest())
              << ") written to " << *options.baseline << "\n";
    return ToStatus(ExitCode::kOk);
  }
  KernelBaseline baseline = LoadBaseline(*options.baseline, key);
  MemoryChecker checker(*memory, model, baseline);
  if (options.command == "check" && !options.watch) {
    CheckReport report = checker.Check();
    std::cout << (options.json ? FormatCheckJson(report) + "\n" : FormatCheckText(report));
    return ExitFor(report.Worst());
  }
  if (options.command == "watch" || options.command == "check") {
    return RunWatch(checker, options, opened.xen_bound_target);
  }
  if (options.command == "ack") {
    CheckReport report = checker.Check();
    std::vector<Change> chosen;
    for (const Change& change : report.changes) {
      if (!options.ack_at || change.location == *options.ack_at) {
        chosen.push_back(change);
      }
    }
    std::size_t accepted = AcknowledgeChanges(baseline, chosen);
    for (const Change& change : chosen) {
      std::cout << (IsAcknowledgeable(change.kind) ? "accepted " : "refused (critical) ")
                << ToString(change.kind) << " at " << change.location << "\n";
    }
    if (accepted > 0) {
      SaveBaseline(*options.baseline, baseline, key);
    }
    std::cout << accepted << " change(s) accepted into " << *options.baseline << "\n";
    return ToStatus(accepted == chosen.size() ? ExitCode::kOk : ExitCode::kCritical);
  }
  throw Error("unknown command '" + options.command + "'");
}

}  // namespace

// Options are parsed here rather than with Boost.Program_options (as the other checkers' are):
// `--xen-domid target`, the synonyms (--domid, --memory-file, --interval) and the strict
// number syntax are this checker's. Help, usage errors and exit codes are the shared ones.
int RunMemoryCli(std::span<char*> args) {
  if (args.size() >= 2 &&
      (std::strcmp(args[1], "--help") == 0 || std::strcmp(args[1], "-h") == 0)) {
    PrintUsage(std::cout);
    return ToStatus(ExitCode::kOk);
  }
  MemoryOptions options;
  try {
    options = ParseOptions(args);
  } catch (const Error& error) {
    std::string command = args.size() >= 2 && args[1][0] != '-' ? args[1] : "";
    return UsageError("memory", command, error.what());
  }
  try {
    return RunCommand(options);
  } catch (const BaselineError& error) {
    return Failure("memory", options.command, ExitCode::kBaselineRefused, error.what());
  } catch (const std::exception& error) {
    return Failure("memory", options.command, ExitCode::kError, error.what());
  }
}

}  // namespace virdomm::monitor
