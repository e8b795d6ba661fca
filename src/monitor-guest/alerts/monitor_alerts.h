// What a monitor tells the spool after each check: its findings become an alert only when they
// differ from the last ones it raised (a kprobe that stays is one alert, not one per check),
// their disappearance an "info" alert, and every check updates the monitor's health record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert_spool.h"

namespace virdomm::monitor {

struct Finding {
  std::string key;       // stable identity across checks: "kprobe|text|__x64_sys_getpid+5"
  std::string line;      // what a person reads: "kprobe at __x64_sys_getpid+5"
  std::string severity;  // "warning" or "critical"
};

class MonitorAlerts {
 public:
  MonitorAlerts(AlertSpool& spool, std::string monitor);

  // Returns the seq of the alert raised, if any. `subject` names what was checked ("Xen
  // domain 7", "/dev/xvdb").
  std::optional<std::uint64_t> Observe(const std::vector<Finding>& findings,
                                       const std::string& subject);

  // A check that could not be made: recorded in the health record, and raised once as an
  // alert (a monitor that stops seeing is news) until a check succeeds again.
  std::optional<std::uint64_t> ObserveFailure(const std::string& error, const std::string& subject);

 private:
  std::optional<std::uint64_t> RaiseIfNew(const std::string& fingerprint, const Alert& alert);
  void WriteHealth(const std::string& result, const std::string& summary) const;

  AlertSpool& spool_;
  std::string monitor_;
};

}  // namespace virdomm::monitor
