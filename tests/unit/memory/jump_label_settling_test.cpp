// The watch's settling of jump-label flips: what is held back, what is reported, and when.
#include <gtest/gtest.h>

#include <chrono>

#include "memory/jump_label_settling.h"

namespace virdomm::monitor {
namespace {

using std::chrono::milliseconds;
using Clock = JumpLabelSettling::Clock;

Change Flip(uint64_t address, ChangeKind kind = ChangeKind::kJumpLabel) {
  Change change;
  change.kind = kind;
  change.region = "text";
  change.address = address;
  return change;
}

CheckReport Check(std::vector<Change> changes) {
  CheckReport report;
  report.changes = std::move(changes);
  return report;
}

class JumpLabelSettlingTest : public ::testing::Test {
 protected:
  // One check at `at_ms` into the watch, settled.
  CheckReport At(int at_ms, std::vector<Change> changes) {
    CheckReport report = Check(std::move(changes));
    settling_.Apply(report, start_ + milliseconds(at_ms));
    return report;
  }
  JumpLabelSettling settling_{milliseconds(30000)};
  Clock::time_point start_ = Clock::now();
};

TEST_F(JumpLabelSettlingTest, AFlipTheKernelUndoesWithinThePeriodIsNeverReported) {
  CheckReport first = At(0, {Flip(0x10), Flip(0x20)});
  EXPECT_TRUE(first.changes.empty());
  EXPECT_EQ(first.settling.size(), 2U);
  EXPECT_EQ(first.Worst(), Severity::kNone);
  CheckReport thawed = At(2000, {});
  EXPECT_TRUE(thawed.changes.empty());
  EXPECT_TRUE(thawed.settling.empty());
}

TEST_F(JumpLabelSettlingTest, AFlipThatLastsIsReportedOnceThePeriodHasPassed) {
  EXPECT_TRUE(At(0, {Flip(0x10)}).changes.empty());
  EXPECT_TRUE(At(29999, {Flip(0x10)}).changes.empty());
  CheckReport lasting = At(30000, {Flip(0x10)});
  ASSERT_EQ(lasting.changes.size(), 1U);
  EXPECT_EQ(lasting.changes[0].address, 0x10U);
  EXPECT_EQ(lasting.Worst(), Severity::kWarning);
  EXPECT_EQ(At(60000, {Flip(0x10)}).changes.size(), 1U);  // and in every check after
}

TEST_F(JumpLabelSettlingTest, EveryOtherChangeIsReportedAtOnce) {
  CheckReport report =
      At(0, {Flip(0x10, ChangeKind::kKprobe), Flip(0x20), Flip(0x30, ChangeKind::kUnknownText)});
  ASSERT_EQ(report.changes.size(), 2U);
  EXPECT_EQ(report.changes[0].kind, ChangeKind::kKprobe);
  EXPECT_EQ(report.changes[1].kind, ChangeKind::kUnknownText);
  EXPECT_EQ(report.settling.size(), 1U);
  EXPECT_EQ(report.Worst(), Severity::kCritical);
}

TEST_F(JumpLabelSettlingTest, AFlipThatWentAwayStartsItsPeriodAgainWhenItComesBack) {
  At(0, {Flip(0x10)});
  At(20000, {});
  EXPECT_TRUE(At(40000, {Flip(0x10)}).changes.empty());
  EXPECT_EQ(At(70000, {Flip(0x10)}).changes.size(), 1U);
}

TEST_F(JumpLabelSettlingTest, TheSameAddressInAnotherRegionIsAnotherFlip) {
  At(0, {Flip(0x10)});
  Change other = Flip(0x10);
  other.region = "rodata-like";
  CheckReport report = At(30000, {Flip(0x10), other});
  ASSERT_EQ(report.changes.size(), 1U);
  EXPECT_EQ(report.changes[0].region, "text");
  EXPECT_EQ(report.settling.size(), 1U);
}

TEST_F(JumpLabelSettlingTest, ANewBindingStartsEveryPeriodAfresh) {
  // Flipped while DomU froze for its suspend, still flipped after its resume on the new host,
  // where it thaws: the time before the move does not count.
  At(0, {Flip(0x10)});
  settling_.Restart();
  EXPECT_TRUE(At(45000, {Flip(0x10)}).changes.empty());
  EXPECT_EQ(At(75000, {Flip(0x10)}).changes.size(), 1U);
}

TEST_F(JumpLabelSettlingTest, TheFreezersFlipsAreHeldForAsLongAsTheyLast) {
  // DomU suspended for a move: its tasks stay frozen until its memory has been copied.
  Change freezer = Flip(0x10);
  freezer.static_key = "freezer_active";
  Change other = Flip(0x20);
  other.static_key = "__tracepoint_sched_switch";
  EXPECT_TRUE(At(0, {freezer, other}).changes.empty());
  CheckReport later = At(120000, {freezer, other});
  ASSERT_EQ(later.changes.size(), 1U);
  EXPECT_EQ(later.changes[0].static_key, "__tracepoint_sched_switch");
  ASSERT_EQ(later.settling.size(), 1U);
  EXPECT_EQ(later.settling[0].static_key, "freezer_active");
}

TEST(JumpLabelSettlingZero, APeriodOfZeroReportsEveryFlipAtOnce) {
  JumpLabelSettling settling{milliseconds(0)};
  CheckReport report = Check({Flip(0x10)});
  settling.Apply(report, Clock::now());
  EXPECT_EQ(report.changes.size(), 1U);
  EXPECT_TRUE(report.settling.empty());
}

}  // namespace
}  // namespace virdomm::monitor
