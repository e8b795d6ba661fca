#include "network/capture_drops.h"

#include <gtest/gtest.h>

namespace virdomm::monitor {
namespace {

TEST(CaptureDrops, NewDropsBetweenTotals) {
  CaptureDrops drops;
  EXPECT_EQ(drops.Add(0), 0U);
  EXPECT_EQ(drops.Add(0), 0U);
  EXPECT_EQ(drops.Add(12), 12U);
  EXPECT_EQ(drops.Add(12), 0U);
  EXPECT_EQ(drops.Add(20), 8U);
}

TEST(CaptureDrops, ARestartCountsFromZero) {
  CaptureDrops drops;
  EXPECT_EQ(drops.Add(5), 5U);
  drops.Restart();
  EXPECT_EQ(drops.Add(3), 3U);
  // A lower total without Restart(): Suricata's counters started over.
  EXPECT_EQ(drops.Add(1), 1U);
}

}  // namespace
}  // namespace virdomm::monitor
