#include "memory/binding_follower.h"

#include <syslog.h>

#include "common/json_writer.h"
#include "common/protocol/binding_state.h"
#include "common/utc_time.h"

namespace virdomm::monitor {

BindingFollower::BindingFollower(bool follow, bool restart_on_new_target, bool json,
                                 std::function<void(const std::string&)> print)
    : follow_(follow),
      restart_on_new_target_(restart_on_new_target),
      json_(json),
      print_(std::move(print)),
      last_{protocol::BindingState::kBound,
            std::string(protocol::ToString(protocol::BindingState::kBound)), "", std::nullopt} {}

void BindingFollower::AnnounceNewTarget(const BindingView& now) const {
  std::string target = now.target_domid ? std::to_string(*now.target_domid) : "unknown";
  std::string action = restart_on_new_target_ ? "restarting Domain M to follow it"
                                              : "checks stay paused until Domain M is restarted";
  std::string line =
      json_ ? "{\"time\":" + JsonQuote(UtcNow()) + ",\"binding\":" +
                  JsonQuote(std::string(protocol::ToString(protocol::BindingState::kRestart))) +
                  ",\"new-target-domid\":" + JsonQuote(target) +
                  ",\"action\":" + JsonQuote(action) + "}\n"
            : "DomU now runs as domain " + target + ": " + action + "\n";
  // One write: the restart thread's line must not tear a check's line on the same stdout.
  print_(line);
  syslog(LOG_NOTICE, "DomU now runs as domain %s: %s", target.c_str(), action.c_str());
}

bool BindingFollower::Paused(XenForeignMemory* bound_target, bool after_check) {
  if (!follow_) {
    return false;
  }
  BindingView now = ReadBinding();
  const bool bound = now.Is(protocol::BindingState::kBound);
  bool rebound = bound && !last_.instance.empty() && now.instance != last_.instance;
  if (now.description != last_.description || rebound) {
    if (bound && bound_target != nullptr) {
      bound_target->Retarget(*now.target_domid);  // kBound always comes with a target domid
    }
    std::string time = UtcNow();
    if (json_) {
      print_("{\"time\":" + JsonQuote(time) + ",\"binding\":" + JsonQuote(now.description) +
             (bound ? ",\"checks\":\"resumed\"}\n" : ",\"checks\":\"paused\"}\n"));
    } else {
      print_(time + " binding " + now.description +
             (bound ? ": checks resume\n" : ": checks paused\n"));
    }
    if (!bound) {
      syslog(LOG_NOTICE, "checks paused: binding state '%s'", now.description.c_str());
    }
    if (now.Is(protocol::BindingState::kRestart) && !restart_on_new_target_) {
      AnnounceNewTarget(now);  // with the option, RestartOnNewTarget acts on it
    }
  }
  last_ = now;
  return !bound || (rebound && after_check);
}

void LogChangesToSyslog(const CheckReport& report) {
  for (const Change& change : report.changes) {
    int priority = change.GetSeverity() == Severity::kCritical ? LOG_ALERT : LOG_WARNING;
    syslog(priority, "kernel %s %s change at %s (%s) %s", report.release.c_str(),
           ToString(change.kind).c_str(), change.location.c_str(), change.region.c_str(),
           change.detail.c_str());
  }
}

}  // namespace virdomm::monitor
