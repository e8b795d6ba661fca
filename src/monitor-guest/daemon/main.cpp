// domm-monitor: `domm-monitor run` is the daemon; `domm-monitor <checker> <command> ...` goes to
// the checker's own CLI.
#include <cstring>
#include <iostream>
#include <span>

#include "alerts/alerts_cli.h"
#include "daemon/run_command.h"
#include "memory/memory_cli.h"
#include "network/network_cli.h"
#include "storage/storage_cli.h"

namespace {

void PrintUsage(std::ostream& out) {
  out << "Usage: domm-monitor run --config FILE [--json]\n"
         "       domm-monitor <checker> <command> [options]\n\n"
         "  run       the daemon: every monitor the configuration enables, in one process\n"
         "            (what domm-monitor.service runs; 'domm-monitor run --help')\n\n"
         "Checkers, one command at a time:\n"
         "  storage   file integrity of DomU's disk image (init, check, update)\n"
         "  memory    kernel text and rodata integrity of DomU's memory\n"
         "  network   Suricata on the mirror NIC that carries DomU's traffic (watch)\n"
         "  alerts    the alert spool, and its publisher to dom0\n\n"
         "Run 'domm-monitor <checker> --help' for the commands of one checker.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::span<char*> args(argv, static_cast<std::size_t>(argc));
  if (args.size() < 2 || std::strcmp(args[1], "--help") == 0 || std::strcmp(args[1], "-h") == 0) {
    PrintUsage(args.size() < 2 ? std::cerr : std::cout);
    return args.size() < 2 ? 2 : 0;
  }
  std::span<char*> rest = args.subspan(1);  // rest[0] is the checker name
  if (std::strcmp(args[1], "run") == 0) {
    return virdomm::monitor::RunDaemonCli(rest);
  }
  if (std::strcmp(args[1], "storage") == 0) {
    return virdomm::monitor::RunStorageCli(rest);
  }
  if (std::strcmp(args[1], "memory") == 0) {
    return virdomm::monitor::RunMemoryCli(rest);
  }
  if (std::strcmp(args[1], "network") == 0) {
    return virdomm::monitor::RunNetworkCli(rest);
  }
  if (std::strcmp(args[1], "alerts") == 0) {
    return virdomm::monitor::RunAlertsCli(rest);
  }
  std::cerr << "domm-monitor: unknown checker '" << args[1] << "'\n";
  PrintUsage(std::cerr);
  return 2;
}
