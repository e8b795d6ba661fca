#include "network/restart_backoff.h"

#include <gtest/gtest.h>

namespace virdomm::monitor {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RestartBackoff, DoublesUpToTheLongestDelay) {
  RestartBackoff backoff({milliseconds(1000), milliseconds(30000), seconds(60), 100, seconds(300)});
  RestartBackoff::Clock::time_point t{};
  std::vector<long> delays;
  for (int i = 0; i < 7; ++i) {
    delays.push_back(static_cast<long>(backoff.AfterDeath(t, t + seconds(1))->count()));
    t += seconds(2);
  }
  EXPECT_EQ(delays, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 30000, 30000}));
}

TEST(RestartBackoff, AStableRunStartsOverAtTheFirstDelay) {
  RestartBackoff backoff({});
  RestartBackoff::Clock::time_point t{};
  EXPECT_EQ(backoff.AfterDeath(t, t + seconds(1)), milliseconds(1000));
  EXPECT_EQ(backoff.AfterDeath(t + seconds(2), t + seconds(3)), milliseconds(2000));
  EXPECT_EQ(backoff.AfterDeath(t + seconds(5), t + seconds(70)), milliseconds(1000));
}

TEST(RestartBackoff, GivesUpAfterTooManyRestartsInTheWindow) {
  RestartBackoff backoff({milliseconds(1000), milliseconds(30000), seconds(60), 3, seconds(100)});
  RestartBackoff::Clock::time_point t{};
  EXPECT_TRUE(backoff.AfterDeath(t, t + seconds(1)));
  EXPECT_TRUE(backoff.AfterDeath(t, t + seconds(10)));
  EXPECT_TRUE(backoff.AfterDeath(t, t + seconds(20)));
  EXPECT_FALSE(backoff.AfterDeath(t, t + seconds(30)));
  // Restarts older than the window no longer count.
  RestartBackoff later({milliseconds(1000), milliseconds(30000), seconds(600), 3, seconds(100)});
  EXPECT_TRUE(later.AfterDeath(t, t + seconds(1)));
  EXPECT_TRUE(later.AfterDeath(t, t + seconds(10)));
  EXPECT_TRUE(later.AfterDeath(t, t + seconds(20)));
  EXPECT_TRUE(later.AfterDeath(t, t + seconds(105)));
  EXPECT_EQ(later.RestartsInWindow(), 3U);
}

}  // namespace
}  // namespace virdomm::monitor
