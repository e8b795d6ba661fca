#include "network/restart_backoff.h"

#include <algorithm>

namespace virdomm::monitor {

RestartBackoff::RestartBackoff(RestartLimits limits) : limits_(limits), next_(limits.first) {}

std::optional<std::chrono::milliseconds> RestartBackoff::AfterDeath(Clock::time_point started,
                                                                    Clock::time_point died) {
  if (died - started >= limits_.stable) {
    next_ = limits_.first;
  }
  while (!restarts_.empty() && died - restarts_.front() >= limits_.window) {
    restarts_.pop_front();
  }
  if (restarts_.size() >= limits_.max_restarts) {
    return std::nullopt;
  }
  restarts_.push_back(died);
  std::chrono::milliseconds delay = next_;
  next_ = std::min(next_ * 2, limits_.longest);
  return delay;
}

}  // namespace virdomm::monitor
