// The lifecycle every monitor of `domm-monitor run` has, so that one scheduler can run them
// all: Start, a Check per interval, Stop (one final check, then release), a name and health.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace virdomm::monitor {

enum class HealthState {
  kStarting,  // not started yet, or waiting for what it needs (a binding, a baseline)
  kOk,        // its last check ran
  kDegraded,  // it runs, but not fully (Suricata restarting, a setting refused)
  kFailed,    // Start, Check or Stop threw; the scheduler restarts it after a backoff
  kStopped,   // stopped cleanly
};
std::string_view ToString(HealthState state);

struct Health {
  HealthState state = HealthState::kStarting;
  std::string message;  // why, for anything but kOk; may be empty for kOk
  bool operator==(const Health&) const = default;
};

class Monitor {
 public:
  virtual ~Monitor() = default;
  Monitor() = default;
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  [[nodiscard]] virtual std::string_view Name() const = 0;
  // The time from the start of one check to the next; read after every check, so a monitor
  // may change it (a setting published by the host).
  [[nodiscard]] virtual std::chrono::milliseconds Interval() const = 0;
  // Errors are exceptions. Start is called again after any failure, and must then begin
  // afresh (releasing what an earlier run held).
  virtual void Start() = 0;
  virtual void Check() = 0;
  // One last check, then release. Called only after a successful Start.
  virtual void Stop() = 0;
  [[nodiscard]] virtual Health CurrentHealth() const = 0;
};

}  // namespace virdomm::monitor
