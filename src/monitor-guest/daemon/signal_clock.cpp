#include "daemon/signal_clock.h"

#include <poll.h>

#include <cerrno>

#include "common/error.h"

namespace virdomm::monitor {

bool SignalClock::WaitUntil(TimePoint deadline) {
  while (!stopping_) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Now());
    pollfd fd{signals_.Fd(), POLLIN, 0};
    int timeout = static_cast<int>(std::max<std::int64_t>(0, left.count()));
    if (::poll(&fd, 1, timeout) < 0 && errno != EINTR) {
      ThrowErrno("poll");
    }
    for (int signal : signals_.Take()) {
      stopping_ = stopping_ || signal == SIGTERM || signal == SIGINT;
    }
    if (!stopping_ && Now() >= deadline) {
      return false;
    }
  }
  return true;
}

}  // namespace virdomm::monitor
