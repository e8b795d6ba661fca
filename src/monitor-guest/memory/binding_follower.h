// How a memory watch follows this Domain M's binding (`--xen-domid target`): checks pause
// while the host's hook does not say "bound", a new binding retargets the mapping, and the
// state's changes are printed once each. Shared by `memory watch` and the daemon's monitor.
#pragma once

#include <functional>
#include <string>

#include "memory/memory_checker.h"
#include "memory/xen_foreign_memory.h"

namespace virdomm::monitor {

class BindingFollower {
 public:
  // `follow`: the memory is the bound target's (else nothing pauses). `print` gets each line
  // (with its newline) to write at once; `json` picks the lines' form.
  BindingFollower(bool follow, bool restart_on_new_target, bool json,
                  std::function<void(const std::string&)> print);

  // With --xen-domid target, checks pause while the host's hook does not say "bound": the
  // DomU has stopped, is moving or has not arrived, and the carried mappings then show a
  // suspended or dead DomU (or fault until the host re-installs them). A new binding (the pair
  // was moved or restored, perhaps while a check was blocked on the carried mappings, so that
  // the state reads "bound" before and after) makes `bound_target` learn the DomU's domid
  // here; a check that straddled it is discarded (`after_check`). True: skip this check.
  bool Paused(XenForeignMemory* bound_target, bool after_check);

  // Binding "restart": DomU became a new domain that Xen cannot make this domain's target.
  void AnnounceNewTarget(const BindingView& now) const;

  // What tells one binding from the next (BindingView::instance).
  [[nodiscard]] const std::string& Instance() const { return last_.instance; }
  [[nodiscard]] const std::string& Description() const { return last_.description; }

 private:
  bool follow_;
  bool restart_on_new_target_;
  bool json_;
  std::function<void(const std::string&)> print_;
  // The memory was just opened over a bound target.
  BindingView last_;
};

// Each change of the report to syslog (LOG_ALERT for critical ones, else LOG_WARNING).
void LogChangesToSyslog(const CheckReport& report);

}  // namespace virdomm::monitor
