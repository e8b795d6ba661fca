// Global options, subcommand options and help texts of `virdomm` (Boost.Program_options).
#include "cli/cli.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "alerts/alert_log.h"
#include "alerts/alerts_commands.h"
#include "cli/commands.h"
#include "common/error.h"
#include "libvirt/libvirt_handles.h"

#ifndef VIRDOMM_VERSION
#error "VIRDOMM_VERSION must be defined by the build (from PROJECT_VERSION)"
#endif

namespace virdomm {

namespace po = boost::program_options;

namespace {

constexpr const char* kProgramHelp =
    "Usage: virdomm [-c URI] COMMAND [ARGS]\n"
    "\n"
    "Pairs an IDS domain (Domain M, a PV guest) with the service domain it watches (DomU,\n"
    "PVH or HVM) through libvirt domain metadata (namespace urn:virdomm:pairing:1), and\n"
    "checks that pairs can work.\n"
    "\n"
    "Commands:\n"
    "  pair --monitor M --target U [OPTIONS]  write both sides' metadata (both or neither)\n"
    "  unpair DOMAIN                          remove the pairing from DOMAIN and its partner\n"
    "  show DOMAIN [--json]                   DOMAIN's pairing and the pair's state\n"
    "  list [--json]                          every pair on the connection with its state\n"
    "  check [DOMAIN]                         verify every pair (or DOMAIN's); exit 0 only if\n"
    "                                         all holds\n"
    "  migrate DOMAIN DEST-URI [OPTIONS]      move DOMAIN's pair to another host, one member\n"
    "                                         after the other\n"
    "  alerts [DOMAIN] [--follow] [--json]    alerts Domain Ms raised, as delivered on this host\n"
    "  collect-alerts                         carry Domain Ms' alerts to the alert log and the\n"
    "                                         journal (the virdomm-alerts service)\n"
    "\n"
    "Domains are named by id, UUID or name, as virsh accepts them.\n"
    "Run `virdomm COMMAND --help` for a command's options.\n"
    "\n"
    "Exit status: 0 success; 1 check found a problem (or show: the pair is not mutual);\n"
    "2 bad command line; 3 the operation failed or was refused.\n"
    "\n"
    "Environment: VIRDOMM_SCHEMA_DIR=DIR validates pairings with DIR/pairing.rng instead of\n"
    "the grammar built into virdomm (a missing or broken file there is an error).\n";

po::options_description GlobalOptions() {
  po::options_description global("Global options");
  global.add_options()("connect,c", po::value<std::string>()->value_name("URI"),
                       "libvirt connection URI (default: libvirt's default URI, as virsh)")(
      "help,h", "show this help (or a command's help after the command)")(
      "version,V", "print the version and exit");
  return global;
}

struct Command {
  const char* name;
  const char* usage;
  const char* summary;
};

constexpr Command kCommands[] = {
    {"pair", "virdomm pair --monitor M --target U [OPTIONS]",
     "Writes the pairing element into both domains' metadata: Domain M gets role=\"monitor\"\n"
     "naming U, DomU gets role=\"target\" naming M. A running domain is written live and in\n"
     "its saved config; a shut-off one in its config. If the second write fails the first\n"
     "is undone. Refuses when either domain is already paired with another (or another\n"
     "domain names one of them) unless --force."},
    {"unpair", "virdomm unpair DOMAIN",
     "Removes the pairing metadata from DOMAIN and from its partner (when the partner still\n"
     "names DOMAIN). Works when only one side is left, and on malformed metadata."},
    {"show", "virdomm show DOMAIN [--json]",
     "Prints DOMAIN's guest type, state, pairing element and the pair's state (mutual,\n"
     "one-sided or broken). Exit status 1 when DOMAIN is in a pair that is not mutual or\n"
     "fails a check."},
    {"list", "virdomm list [--json]",
     "Lists every pair or one-sided claim on the connection with its state (mutual,\n"
     "one-sided, broken) and whether each member is running."},
    {"check", "virdomm check [DOMAIN]",
     "Verifies the pairing metadata of every domain (or only what concerns DOMAIN): it\n"
     "matches the schema; both sides name each other by UUID; no DomU has two monitors;\n"
     "Domain M is PV and DomU is HVM or PVH (what Xen 4.17 can serve); and the live and\n"
     "saved definitions agree (only the live one migrates). Exit status 0 only when all\n"
     "holds."},
    {"migrate", "virdomm migrate DOMAIN DEST-URI [OPTIONS]",
     "Moves the pair DOMAIN belongs to (either member) to the host DEST-URI names, as\n"
     "`virsh migrate --p2p` would move each member: DomU live, then Domain M (or the other\n"
     "way round), printing progress, each member's time and how long DomU ran without Domain\n"
     "M beside it. The order is --order, else the pairing's <policy order=...>, else DomU\n"
     "first, which measured the shorter blind window. If the first move fails, both members\n"
     "stay on this host. If the second fails (after one retry), the command says which member\n"
     "runs where. SIGINT or SIGTERM aborts the first move where libvirt can, and otherwise\n"
     "lets the moves finish so that the pair is not left apart; the exit status is then 3.\n"
     "Domain M moves non-live unless --live-monitor: a live move of a PV guest needs shadow\n"
     "paging, which Debian's Xen builds leave out."},
    {"alerts", "virdomm alerts [DOMAIN] [--follow] [--json] [--log FILE]",
     "Prints the alerts Domain Ms raised (memory, storage) as this host's collector delivered\n"
     "them, oldest first: time, host, DomU, severity, monitor and summary, with one line per\n"
     "finding; --json prints the log's JSON lines (for a SIEM) unchanged. DOMAIN (a name or\n"
     "UUID of either member) keeps only that pair's alerts; --follow keeps printing new ones.\n"
     "Reads the alert log only: no libvirt connection is made."},
    {"collect-alerts", "virdomm collect-alerts [--log FILE] [--interval-ms MS] [--once]",
     "Runs dom0's end of the alert channel: every interval it reads the alerts each Domain M\n"
     "published in its own xenstore home (DomU cannot write there), appends the new ones in\n"
     "order to the alert log (fdatasync'ed), sends them to the journal with the pair's names\n"
     "and UUIDs (VIRDOMM_DOMU_NAME, VIRDOMM_DOMU_UUID, VIRDOMM_DOMM_NAME, ...), then tells\n"
     "Domain M how far it got, so M drops them from its spool. Alerts raised while this is\n"
     "stopped wait in M's spool and are delivered when it runs again. A repeat is possible\n"
     "only for alerts delivered just before a crash or just before Domain M moved; each\n"
     "carries an id (spool:seq) to recognise it. Runs until stopped (--once: one round)."},
};

const Command* FindCommand(const std::string& name) {
  for (const Command& c : kCommands) {
    if (name == c.name) {
      return &c;
    }
  }
  return nullptr;
}

// Text values of `pair` options, checked after parsing so a bad value is a usage error.
struct PairOptionText {
  std::string policy;
  std::string interval;
};

po::options_description CommandOptions(const std::string& name, PairOptions& pair,
                                       PairOptionText& text) {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help");
  if (name == "pair") {
    opts.add_options()("monitor,m", po::value(&pair.monitor)->value_name("M")->required(),
                       "Domain M, the IDS domain (PV guest)")(
        "target,t", po::value(&pair.target)->value_name("U")->required(),
        "DomU, the domain to watch (PVH or HVM guest)")(
        "storage", po::value<std::string>()->value_name("PATH"),
        "DomU's raw disk image as Domain M sees it (e.g. an NFS path)")(
        "memory",
        po::value(&pair.memory_regions)->value_name("REGIONS")->default_value(pair.memory_regions),
        "kernel regions to check: 'kernel-text', 'kernel-rodata' or both")(
        "interval",
        po::value(&text.interval)
            ->value_name("MS")
            ->default_value(std::to_string(pair.interval_ms)),
        "memory check interval in milliseconds (10 .. 86400000)")(
        "on-grant-failure",
        po::value(&text.policy)->value_name("abort|warn")->default_value("abort"),
        "when the hook cannot grant M its rights, or a host cannot carry M's mappings: "
        "abort the start or incoming move, or warn and go on")(
        "move-order", po::value<std::string>()->value_name("domu-first|monitor-first"),
        "let the destination's hook accept an incoming move of the pair only in this order "
        "(default: either)")(
        "mirror-mac", po::value<std::string>()->value_name("MAC"),
        "MAC of M's own NIC that receives a copy of every packet DomU's NICs send and "
        "receive; the hook sets the copy up on the host where it binds the pair. Not checked "
        "here: without such a NIC in M the hook logs a warning and binds without the copy "
        "(default: no copy)")("force", po::bool_switch(&pair.force),
                              "overwrite existing pairing metadata of M and U");
  } else if (name == "migrate") {
    opts.add_options()("order", po::value<std::string>()->value_name("domu-first|monitor-first"),
                       "which member moves first (default: the pairing's policy, else "
                       "domu-first)")(
        "migrateuri", po::value<std::string>()->value_name("URI"),
        "where the migration data goes (as virsh migrate --migrateuri)")(
        "live-monitor", "move Domain M live too (needs a Xen with shadow paging)")(
        "persistent", "define both members on the destination")(
        "undefinesource", "remove both members' definitions from this host");
  } else if (name == "show" || name == "list") {
    opts.add_options()("json", "print JSON instead of text");
  } else if (name == "alerts") {
    opts.add_options()("json", "print the log's JSON lines")("follow,f",
                                                             "keep printing alerts as they come")(
        "log", po::value<std::string>()->value_name("FILE")->default_value(kDefaultAlertLog),
        "the alert log");
  } else if (name == "collect-alerts") {
    opts.add_options()(
        "log", po::value<std::string>()->value_name("FILE")->default_value(kDefaultAlertLog),
        "the alert log")("interval-ms", po::value<unsigned>()->value_name("MS")->default_value(500),
                         "milliseconds between rounds")("once", "one round, then exit");
  }
  return opts;
}

// Fills `pair` from the option texts; throws po::error naming the option on a bad value.
void CheckPairOptionText(const PairOptionText& text, PairOptions& pair) {
  auto policy = ParseGrantFailurePolicy(text.policy);
  if (!policy) {
    throw po::error("--on-grant-failure must be 'abort' or 'warn', not '" + text.policy + "'");
  }
  pair.on_grant_failure = *policy;
  std::uint32_t interval = 0;
  const char* end = text.interval.data() + text.interval.size();
  auto [ptr, ec] = std::from_chars(text.interval.data(), end, interval);
  if (text.interval.empty() || ec != std::errc() || ptr != end || interval < kMinIntervalMs ||
      interval > kMaxIntervalMs) {
    throw po::error("--interval must be a whole number of milliseconds from " +
                    std::to_string(kMinIntervalMs) + " to " + std::to_string(kMaxIntervalMs) +
                    ", not '" + text.interval + "'");
  }
  pair.interval_ms = interval;
}

// The values the pairing element can hold: known regions, each once; a printable path.
void CheckPairValues(const PairOptions& pair) {
  std::istringstream words(pair.memory_regions);
  std::vector<MemoryRegion> seen;
  for (std::string word; words >> word;) {
    auto region = ParseMemoryRegion(word);
    if (!region) {
      throw po::error("--memory: unknown region '" + word + "' (known: kernel-text kernel-rodata)");
    }
    if (std::find(seen.begin(), seen.end(), *region) != seen.end()) {
      throw po::error("--memory names '" + word + "' twice");
    }
    seen.push_back(*region);
  }
  if (seen.empty()) {
    throw po::error("--memory needs at least one region (kernel-text, kernel-rodata)");
  }
  if (pair.storage) {
    if (pair.storage->empty()) {
      throw po::error("--storage needs a path");
    }
    for (char c : *pair.storage) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        throw po::error("--storage: the path holds a control character");
      }
    }
  }
}

void PrintCommandHelp(std::ostream& out, const Command& c, const po::options_description& opts) {
  out << "Usage: " << c.usage << "\n\n"
      << c.summary << "\n\n"
      << opts << "\n"
      << GlobalOptions() << "\n";
}

}  // namespace

int RunVirdomm(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description global = GlobalOptions();
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("args",
                                                            po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(global).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("args", -1);

  po::variables_map vm;
  std::vector<std::string> rest;
  try {
    po::parsed_options parsed = po::command_line_parser(args)
                                    .options(all)
                                    .positional(positional)
                                    .allow_unregistered()
                                    .run();
    po::store(parsed, vm);
    po::notify(vm);
    rest = po::collect_unrecognized(parsed.options, po::include_positional);
  } catch (const po::error& e) {
    err << "virdomm: " << e.what() << "\nRun `virdomm --help` for usage.\n";
    return kExitUsage;
  }

  if (vm.count("version") != 0U) {
    out << "virdomm " << VIRDOMM_VERSION << "\n";
    return kExitOk;
  }
  if (vm.count("command") == 0U) {
    if (vm.count("help") != 0U) {
      out << kProgramHelp << "\n" << global;
      return kExitOk;
    }
    err << "virdomm: no command given\n\n" << kProgramHelp;
    return kExitUsage;
  }
  std::string name = vm["command"].as<std::string>();
  const Command* command = FindCommand(name);
  if (command == nullptr) {
    err << "virdomm: unknown command '" << name << "'\n\n" << kProgramHelp;
    return kExitUsage;
  }
  if (!rest.empty() && rest.front() == name) {
    rest.erase(rest.begin());
  }

  PairOptions pair;
  MigrateOptions migrate;
  PairOptionText text;
  po::options_description opts = CommandOptions(name, pair, text);
  if (vm.count("help") != 0U) {
    PrintCommandHelp(out, *command, opts);
    return kExitOk;
  }
  po::options_description cmd_all;
  cmd_all.add(opts).add_options()("domain", po::value<std::vector<std::string>>());
  po::positional_options_description cmd_positional;
  cmd_positional.add("domain", -1);
  po::variables_map cvm;
  std::vector<std::string> domains;
  try {
    po::store(po::command_line_parser(rest).options(cmd_all).positional(cmd_positional).run(), cvm);
    if (cvm.count("help") != 0U) {
      PrintCommandHelp(out, *command, opts);
      return kExitOk;
    }
    po::notify(cvm);
    if (cvm.count("domain") != 0U) {
      domains = cvm["domain"].as<std::vector<std::string>>();
    }
    if (name == "migrate") {
      if (domains.size() != 2) {
        throw po::error("needs DOMAIN and DEST-URI");
      }
    } else {
      std::size_t want_min = (name == "unpair" || name == "show") ? 1 : 0;
      std::size_t want_max = (name == "pair" || name == "list" || name == "collect-alerts") ? 0 : 1;
      if (domains.size() < want_min || domains.size() > want_max) {
        throw po::error(want_max == 0 ? "takes no DOMAIN argument"
                                      : (want_min == 1 ? "needs exactly one DOMAIN"
                                                       : "takes at most one DOMAIN"));
      }
    }
    if (name == "pair" && cvm.count("move-order") != 0U) {
      std::string text = cvm["move-order"].as<std::string>();
      pair.move_order = ParseMoveOrder(text);
      if (!pair.move_order) {
        throw po::error("--move-order must be 'domu-first' or 'monitor-first', not '" + text + "'");
      }
    }
    if (name == "pair" && cvm.count("mirror-mac") != 0U) {
      std::string text = cvm["mirror-mac"].as<std::string>();
      std::string why;
      std::string mac = CanonicalUnicastMac(text, why);
      if (mac.empty()) {
        throw po::error("--mirror-mac '" + text + "' " + why);
      }
      pair.mirror_mac = mac;
    }
    if (name == "migrate" && cvm.count("order") != 0U) {
      std::string text = cvm["order"].as<std::string>();
      migrate.order = ParseMoveOrder(text);
      if (!migrate.order) {
        throw po::error("--order must be 'domu-first' or 'monitor-first', not '" + text + "'");
      }
    }
    if (name == "pair") {
      CheckPairOptionText(text, pair);
      if (cvm.count("storage") != 0U) {
        pair.storage = cvm["storage"].as<std::string>();
      }
      CheckPairValues(pair);
    }
  } catch (const po::error& e) {
    err << "virdomm " << name << ": " << e.what() << "\nUsage: " << command->usage
        << "\nRun `virdomm " << name << " --help` for details.\n";
    return kExitUsage;
  }

  if (name == "alerts" || name == "collect-alerts") {
    try {
      if (name == "alerts") {
        AlertsOptions alerts{cvm["log"].as<std::string>(),
                             domains.empty() ? std::nullopt : std::optional(domains.front()),
                             cvm.count("json") != 0U, cvm.count("follow") != 0U};
        return RunAlerts(alerts, out, err);
      }
      CollectOptions collect{cvm["log"].as<std::string>(), cvm["interval-ms"].as<unsigned>(),
                             cvm.count("once") != 0U};
      return RunCollectAlerts(collect, out, err);
    } catch (const std::exception& e) {
      err << "virdomm " << name << ": " << e.what() << "\n";
      return kExitFailed;
    }
  }

  SilenceLibvirtErrorPrinting();
  CliContext ctx{
      vm.count("connect") != 0U ? std::optional(vm["connect"].as<std::string>()) : std::nullopt,
      out, err};
  try {
    bool json = cvm.count("json") != 0U;
    if (name == "pair") {
      return RunPair(ctx, pair);
    }
    if (name == "unpair") {
      return RunUnpair(ctx, domains.front());
    }
    if (name == "show") {
      return RunShow(ctx, domains.front(), json);
    }
    if (name == "list") {
      return RunList(ctx, json);
    }
    if (name == "migrate") {
      migrate.domain = domains.at(0);
      migrate.dest_uri = domains.at(1);
      if (cvm.count("migrateuri") != 0U) {
        migrate.migrate_uri = cvm["migrateuri"].as<std::string>();
      }
      migrate.live_monitor = cvm.count("live-monitor") != 0U;
      migrate.persistent = cvm.count("persistent") != 0U;
      migrate.undefine_source = cvm.count("undefinesource") != 0U;
      return RunMigrate(ctx, migrate);
    }
    return RunCheck(ctx, domains.empty() ? std::nullopt : std::optional(domains.front()));
  } catch (const std::exception& e) {
    err << "virdomm " << name << ": " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace virdomm
