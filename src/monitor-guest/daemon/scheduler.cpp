#include "daemon/scheduler.h"

#include <algorithm>
#include <exception>

namespace virdomm::monitor {

std::string_view ToString(HealthState state) {
  switch (state) {
    case HealthState::kStarting:
      return "starting";
    case HealthState::kOk:
      return "ok";
    case HealthState::kDegraded:
      return "degraded";
    case HealthState::kFailed:
      return "failed";
    case HealthState::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::chrono::milliseconds RestartBackoffFor(unsigned failures) {
  std::chrono::milliseconds delay = Scheduler::kFirstBackoff;
  for (unsigned i = 1; i < failures && delay < Scheduler::kMaxBackoff; ++i) {
    delay *= 2;
  }
  return std::min(delay, Scheduler::kMaxBackoff);
}

Scheduler::Scheduler(std::vector<std::unique_ptr<Monitor>> monitors, SchedulerClock& clock,
                     std::function<void(const SchedulerEvent&)> on_event)
    : clock_(clock), on_event_(std::move(on_event)) {
  const SchedulerClock::TimePoint now = clock_.Now();
  for (std::unique_ptr<Monitor>& monitor : monitors) {
    Entry entry;
    entry.monitor = std::move(monitor);
    entry.due = now;
    entries_.push_back(std::move(entry));
  }
}

Scheduler::Entry& Scheduler::NextDue() {
  // Earliest deadline first; among equal ones the earlier in the configuration.
  return *std::min_element(entries_.begin(), entries_.end(),
                           [](const Entry& a, const Entry& b) { return a.due < b.due; });
}

void Scheduler::Fail(Entry& entry, const std::string& what) {
  ++entry.failures;
  std::chrono::milliseconds delay = RestartBackoffFor(entry.failures);
  entry.started = false;
  entry.due = clock_.Now() + delay;
  entry.error = what + "; restart " + std::to_string(entry.failures) + " in " +
                std::to_string(delay.count() / 1000) + " s";
  on_event_({SchedulerEvent::Kind::kFailed, std::string(entry.monitor->Name()), entry.error});
}

void Scheduler::RunOne(Entry& entry) {
  const SchedulerClock::TimePoint began = clock_.Now();
  bool starting = !entry.started;
  try {
    if (starting) {
      entry.monitor->Start();
      entry.started = true;
      entry.error.clear();
      on_event_({SchedulerEvent::Kind::kStarted, std::string(entry.monitor->Name()), ""});
      starting = false;
    }
    entry.monitor->Check();
    entry.failures = 0;
  } catch (const std::exception& error) {
    Fail(entry, std::string(starting ? "start" : "check") + " failed: " + error.what());
    return;
  }
  // Due one interval after this check began, but never before it ended: an overrun is not
  // made up by running back to back while others wait.
  entry.due = std::max(began + entry.monitor->Interval(), clock_.Now());
}

bool Scheduler::Run() {
  if (entries_.empty()) {
    return true;
  }
  while (true) {
    Entry& entry = NextDue();
    if (clock_.WaitUntil(entry.due)) {
      break;
    }
    RunOne(entry);
  }
  bool clean = true;
  for (Entry& entry : entries_) {
    if (!entry.started) {
      continue;
    }
    std::string message;
    try {
      entry.monitor->Stop();
    } catch (const std::exception& error) {
      message = std::string("stop failed: ") + error.what();
      clean = false;
    }
    entry.started = false;
    on_event_({SchedulerEvent::Kind::kStopped, std::string(entry.monitor->Name()), message});
  }
  return clean;
}

Health Scheduler::HealthOf(std::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.monitor->Name() == name) {
      if (!entry.error.empty()) {
        return {HealthState::kFailed, entry.error};
      }
      return entry.monitor->CurrentHealth();
    }
  }
  return {HealthState::kFailed, "no monitor '" + std::string(name) + "'"};
}

}  // namespace virdomm::monitor
