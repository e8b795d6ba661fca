// Restarts Domain M as a new Xen domain so that it can follow a DomU that became a new domain
// (a reboot, a restore of DomU alone): Xen sets a domain's target once, so only a new Domain M
// can be given the new DomU as its target.
#pragma once

#include <functional>
#include <thread>

#include "memory/xen_foreign_memory.h"

namespace virdomm::monitor {

// Syncs the filesystems and reboots this domain; libvirt recreates it as a new Xen domain when
// its definition says <on_reboot>restart</on_reboot> (the default), and the host's hook binds
// that one. Returns only by throwing Error (e.g. EPERM without CAP_SYS_BOOT).
[[noreturn]] void RestartThisDomain();

// Watches this domain's binding from a thread of its own and restarts the domain once the host
// says "restart", after `announce` has said why. A thread, because a check that was reading the
// old DomU as it went can sit blocked in privcmd (waiting up to its fault_wait_ms for a binding
// that will not come back) and must not hold the restart up.
class RestartOnNewTarget {
 public:
  explicit RestartOnNewTarget(std::function<void(const BindingView&)> announce);
  RestartOnNewTarget(const RestartOnNewTarget&) = delete;
  RestartOnNewTarget& operator=(const RestartOnNewTarget&) = delete;
  ~RestartOnNewTarget() = default;  // the jthread stops and joins

 private:
  std::jthread thread_;
};

}  // namespace virdomm::monitor
