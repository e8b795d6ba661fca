// Runs every monitor of the daemon on its own interval in one thread: a deadline queue, each
// monitor due at the start of its last check plus its interval. One thread because the checks
// share little but the spool and stdout, the hot one (memory) is a memcmp, the long one (a
// storage scan) runs on its monitor's own thread, and a loop without threads keeps the order
// of events (and its tests) deterministic. A check runs to its end; one
// that overruns is due again only from its end, so every monitor that fell due meanwhile (an
// earlier deadline) runs first: an overrun delays the others, never starves them. A monitor
// that throws is restarted (Start again) after 1 s, 2 s, 4 s ... up to kMaxBackoff, back to
// 1 s after a check succeeds; its health says it failed, why and when it restarts.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/monitor.h"

namespace virdomm::monitor {

// Time and waiting, apart so that tests drive them.
class SchedulerClock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~SchedulerClock() = default;
  virtual TimePoint Now() = 0;
  // Waits until `deadline`; returns true when the daemon was asked to stop meanwhile (or
  // before), at once.
  virtual bool WaitUntil(TimePoint deadline) = 0;
};

// What the scheduler did, for the log and the health records.
struct SchedulerEvent {
  enum class Kind { kStarted, kFailed, kStopped };
  Kind kind = Kind::kStarted;
  std::string monitor;
  std::string message;  // kFailed: the error and the restart delay; kStopped: a Stop error
};

class Scheduler {
 public:
  static constexpr std::chrono::milliseconds kFirstBackoff{1000};
  static constexpr std::chrono::milliseconds kMaxBackoff{60000};

  Scheduler(std::vector<std::unique_ptr<Monitor>> monitors, SchedulerClock& clock,
            std::function<void(const SchedulerEvent&)> on_event);

  // Until the clock says stop: then every started monitor's Stop (its final check). Returns
  // true when every Stop succeeded.
  bool Run();

  // The monitor's health as the scheduler sees it: the monitor's own, unless it failed.
  [[nodiscard]] Health HealthOf(std::string_view name) const;

 private:
  struct Entry {
    std::unique_ptr<Monitor> monitor;
    SchedulerClock::TimePoint due{};
    bool started = false;
    unsigned failures = 0;  // in a row; 0 after a successful check
    std::string error;      // the last failure while it waits to restart
  };
  Entry& NextDue();
  void RunOne(Entry& entry);
  void Fail(Entry& entry, const std::string& what);

  std::vector<Entry> entries_;
  SchedulerClock& clock_;
  std::function<void(const SchedulerEvent&)> on_event_;
};

// The delay before restart `failures` (1, 2, ...): kFirstBackoff doubled each time, capped.
std::chrono::milliseconds RestartBackoffFor(unsigned failures);

}  // namespace virdomm::monitor
