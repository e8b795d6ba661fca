// The scheduler's real clock: steady time, and waits that end early on SIGTERM or SIGINT,
// taken from a signalfd (no handler, no global flag).
#pragma once

#include "daemon/scheduler.h"
#include "network/signal_fd.h"

namespace virdomm::monitor {

class SignalClock final : public SchedulerClock {
 public:
  // Blocks SIGTERM and SIGINT in this thread; make it before any other thread starts, which
  // then inherit the mask.
  SignalClock() : signals_({SIGTERM, SIGINT}) {}
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  bool WaitUntil(TimePoint deadline) override;

 private:
  SignalFd signals_;
  bool stopping_ = false;
};

}  // namespace virdomm::monitor
