#include "memory/domain_restart.h"

#include <sys/reboot.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "common/error.h"
#include "common/protocol/binding_state.h"

namespace virdomm::monitor {
namespace {

// How often the binding is read; a restart costs a boot, so half a second is plenty.
constexpr auto kPollInterval = std::chrono::milliseconds(500);
// Time for the announcement to reach its readers (a console pipe, syslog) before the reboot.
constexpr auto kAnnounceGrace = std::chrono::seconds(1);

}  // namespace

void RestartThisDomain() {
  sync();
  reboot(RB_AUTOBOOT);
  int err = errno;  // reboot(RB_AUTOBOOT) returns only on failure
  throw Error(std::string("cannot restart this domain: reboot: ") + std::strerror(err));
}

RestartOnNewTarget::RestartOnNewTarget(std::function<void(const BindingView&)> announce)
    : thread_([announce = std::move(announce)](const std::stop_token& stop) {
        while (!stop.stop_requested()) {
          try {
            BindingView view = ReadBinding();
            if (view.Is(protocol::BindingState::kRestart)) {
              announce(view);
              std::this_thread::sleep_for(kAnnounceGrace);
              RestartThisDomain();
            }
          } catch (const Error& e) {
            // xenstore hiccups (e.g. across this domain's own move) are retried; a failed
            // reboot is said once a poll, which the admin sees in syslog.
            syslog(LOG_ERR, "following DomU's new domain: %s", e.what());
          }
          std::this_thread::sleep_for(kPollInterval);
        }
      }) {}

}  // namespace virdomm::monitor
