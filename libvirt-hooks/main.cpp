// virdomm-hook: run by libvirtd as /etc/libvirt/hooks/libxl.d/virdomm with NAME OP SUBOP EXTRA
// and the domain XML on stdin. Turns that into one HookEvent and hands it to RunHook.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "hook_executor.h"
#include "hook_facts.h"
#include "hook_log.h"
#include "host_mapping_probe.h"
#include "traffic_mirror_plugin.h"
#include "watchdog.h"
#include "xen/libxen_host.h"

namespace {

using virdomm::HookEvent;
using virdomm::HookEventKind;

// The whole run is bounded well below anything a user would wait for: normal runs take
// milliseconds; only a stuck xenstored or a stuck other hook gets near this.
constexpr std::chrono::seconds kRunDeadline{20};

// libvirt may take anything on stdout as domain XML (migrate begin): point fd 1 at /dev/null
// so no library can ever print there.
void SilenceStdout() {
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) {
    (void)::dup2(devnull, STDOUT_FILENO);
    if (devnull != STDOUT_FILENO) {
      (void)::close(devnull);
    }
  }
}

void PrintReason(const std::string& reason) {
  std::string line = "virdomm-hook: " + reason + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

// The exit code when something unexpected stops the run: only `started` of a paired domain
// whose policy is abort may fail; everything else must let libvirt carry on.
int ExitCodeOnUnexpectedFailure(const HookEvent& event) {
  if (event.Kind() != HookEventKind::kStartedBegin) {
    return 0;
  }
  virdomm::SelfFacts self = virdomm::ReadSelfFacts(event);
  return self.HasPairing() ? virdomm::ExitCodeFor(self.policy) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  SilenceStdout();
  virdomm::SyslogHookLog log;
  std::vector<std::string> args(argv + 1, argv + argc);

  bool truncated = false;
  std::string input;
  if (::isatty(STDIN_FILENO) == 0) {
    input = virdomm::ReadBoundedInput(STDIN_FILENO, virdomm::kMaxHookStdinBytes, truncated);
  }
  HookEvent event;
  try {
    event = virdomm::ParseHookEvent(args, std::move(input), truncated);
  } catch (const virdomm::Error& e) {
    PrintReason(e.what());
    return 2;
  }
  if (event.Kind() == HookEventKind::kIgnored) {
    return 0;
  }

  const int unexpected_exit = ExitCodeOnUnexpectedFailure(event);
  virdomm::Watchdog watchdog(kRunDeadline, unexpected_exit,
                             "virdomm-hook: " + event.Describe() + ": gave up after " +
                                 std::to_string(kRunDeadline.count()) +
                                 " s (xenstored or another hook is stuck)");
  try {
    std::unique_ptr<virdomm::XenHost> xen;
    std::unique_ptr<virdomm::TrafficMirror> network;
    virdomm::HookContext context;
    context.log = &log;
    context.mapping_fault = virdomm::HostMappingFault;
    context.xen = [&xen]() -> virdomm::XenHost& {
      if (!xen) {
        xen = virdomm::OpenLibxenHost();
      }
      return *xen;
    };
    context.network = [&network]() -> virdomm::TrafficMirror& {
      if (!network) {
        network = virdomm::LoadTrafficMirrorPlugin(virdomm::TrafficMirrorPluginPath());
      }
      return *network;
    };
    virdomm::HookOutcome outcome = virdomm::RunHook(event, context);
    if (event.Kind() == HookEventKind::kReconnectBegin) {
      return 0;  // a failed reconnect makes libvirt forget a running domain
    }
    if (outcome.exit_code != 0) {
      PrintReason(outcome.reason);
    }
    return outcome.exit_code;
  } catch (const std::exception& e) {
    std::string message = event.Describe() + ": unexpected failure: " + e.what();
    log.Write(virdomm::LogLevel::kError, message);
    if (unexpected_exit != 0) {
      PrintReason(message);
    }
    return unexpected_exit;
  }
}
