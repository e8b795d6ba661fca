// When to start a supervised child again after it died: a delay that doubles from `first` up
// to `longest`, back at `first` once a run lasted `stable`, and no more than `max_restarts`
// restarts within `window`, after which supervision gives up (a child that cannot stay up is
// an error to report, not to retry for ever). Pure: the caller passes the time.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

namespace virdomm::monitor {

struct RestartLimits {
  std::chrono::milliseconds first{1000};
  std::chrono::milliseconds longest{30000};
  std::chrono::milliseconds stable{60000};
  std::size_t max_restarts = 5;
  std::chrono::milliseconds window{300000};
};

class RestartBackoff {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RestartBackoff(RestartLimits limits);

  // The child died at `died` after a run that started at `started`: the delay before the next
  // start, or nullopt when `max_restarts` restarts have already been made within `window`.
  std::optional<std::chrono::milliseconds> AfterDeath(Clock::time_point started,
                                                      Clock::time_point died);

  [[nodiscard]] std::size_t RestartsInWindow() const { return restarts_.size(); }
  [[nodiscard]] const RestartLimits& Limits() const { return limits_; }

 private:
  RestartLimits limits_;
  std::chrono::milliseconds next_;
  std::deque<Clock::time_point> restarts_;  // when each restart within the window was decided
};

}  // namespace virdomm::monitor
