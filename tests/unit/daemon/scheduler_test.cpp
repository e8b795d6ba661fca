// The scheduler's decisions with fake monitors on a fake clock: intervals, overruns, failures
// and their backoff, the final check at stop.
#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace virdomm::monitor {
namespace {

using std::chrono::milliseconds;

class FakeClock final : public SchedulerClock {
 public:
  TimePoint Now() override { return now; }
  bool WaitUntil(TimePoint deadline) override {
    if (deadline >= stop_at) {
      now = std::max(now, stop_at);
      return true;
    }
    now = std::max(now, deadline);
    return false;
  }
  [[nodiscard]] long Ms() const {
    return static_cast<long>(std::chrono::duration_cast<milliseconds>(now - TimePoint{}).count());
  }
  TimePoint now{};
  TimePoint stop_at = TimePoint{} + milliseconds(10000);
};

// Records "<ms> <name> <call>" for every call; a check lasts `check_ms` of fake time.
class FakeMonitor final : public Monitor {
 public:
  FakeMonitor(std::string name, milliseconds interval, FakeClock& clock,
              std::vector<std::string>& log)
      : name_(std::move(name)), interval_(interval), clock_(clock), log_(log) {}

  [[nodiscard]] std::string_view Name() const override { return name_; }
  [[nodiscard]] milliseconds Interval() const override { return interval_; }
  void Start() override { Record("start", fail_starts); }
  void Check() override {
    clock_.now += check_ms;
    Record("check", fail_checks);
  }
  void Stop() override { Record("stop (final check)", fail_stops); }
  [[nodiscard]] Health CurrentHealth() const override { return {HealthState::kOk, "fine"}; }

  milliseconds check_ms{0};
  int fail_starts = 0;  // how many of the next calls throw
  int fail_checks = 0;
  int fail_stops = 0;
  int checks = 0;

 private:
  void Record(const std::string& call, int& failing) {
    log_.push_back(std::to_string(clock_.Ms()) + " " + name_ + " " + call);
    if (call == "check") {
      ++checks;
    }
    if (failing > 0) {
      --failing;
      throw std::runtime_error(call + " broke");
    }
  }
  std::string name_;
  milliseconds interval_;
  FakeClock& clock_;
  std::vector<std::string>& log_;
};

class SchedulerTest : public ::testing::Test {
 protected:
  FakeMonitor* Add(const std::string& name, long interval_ms) {
    auto monitor = std::make_unique<FakeMonitor>(name, milliseconds(interval_ms), clock, log);
    FakeMonitor* raw = monitor.get();
    monitors.push_back(std::move(monitor));
    return raw;
  }
  Scheduler Make() {
    return Scheduler(std::move(monitors), clock, [this](const SchedulerEvent& event) {
      events.push_back(event.monitor + " " +
                       (event.kind == SchedulerEvent::Kind::kStarted  ? "started"
                        : event.kind == SchedulerEvent::Kind::kFailed ? "failed"
                                                                      : "stopped") +
                       (event.message.empty() ? "" : ": " + event.message));
    });
  }
  FakeClock clock;
  std::vector<std::string> log;
  std::vector<std::string> events;
  std::vector<std::unique_ptr<Monitor>> monitors;
};

TEST_F(SchedulerTest, EachMonitorRunsOnItsOwnIntervalAndStopsWithAFinalCheck) {
  clock.stop_at = clock.now + milliseconds(2500);
  Add("memory", 1000);
  Add("storage", 2000);
  Scheduler scheduler = Make();
  EXPECT_TRUE(scheduler.Run());
  EXPECT_EQ(log, (std::vector<std::string>{
                     "0 memory start", "0 memory check", "0 storage start", "0 storage check",
                     "1000 memory check", "2000 memory check", "2000 storage check",
                     "2500 memory stop (final check)", "2500 storage stop (final check)"}));
  EXPECT_EQ(events, (std::vector<std::string>{"memory started", "storage started", "memory stopped",
                                              "storage stopped"}));
}

TEST_F(SchedulerTest, AnOverrunningCheckDelaysTheOthersButNeverStarvesThem) {
  clock.stop_at = clock.now + milliseconds(10000);
  FakeMonitor* slow = Add("storage", 100);
  slow->check_ms = milliseconds(3000);  // always overruns its interval
  FakeMonitor* fast = Add("memory", 500);
  Scheduler scheduler = Make();
  EXPECT_TRUE(scheduler.Run());
  // The slow one is due again at each check's end, when the fast one has been due a while:
  // they alternate instead of the slow one running back to back.
  EXPECT_GE(fast->checks, 3);
  EXPECT_GE(slow->checks, 3);
  for (std::size_t i = 1; i < log.size(); ++i) {
    bool both_slow = log[i].find("storage check") != std::string::npos &&
                     log[i - 1].find("storage check") != std::string::npos;
    EXPECT_FALSE(both_slow) << log[i - 1] << " / " << log[i];
  }
}

TEST_F(SchedulerTest, AFailedMonitorRestartsWithGrowingBoundedBackoff) {
  clock.stop_at = clock.now + milliseconds(20000);
  FakeMonitor* broken = Add("network", 100);
  broken->fail_starts = 3;
  Scheduler scheduler = Make();
  EXPECT_TRUE(scheduler.Run());
  // Starts at 0, 1 s, 3 s (1 + 2), 7 s (3 + 4): the fourth works.
  EXPECT_EQ(
      std::vector<std::string>(log.begin(), log.begin() + 6),
      (std::vector<std::string>{"0 network start", "1000 network start", "3000 network start",
                                "7000 network start", "7000 network check", "7100 network check"}));
  ASSERT_GE(events.size(), 4U);
  EXPECT_EQ(events[0], "network failed: start failed: start broke; restart 1 in 1 s");
  EXPECT_EQ(events[2], "network failed: start failed: start broke; restart 3 in 4 s");
  EXPECT_EQ(events[3], "network started");
  EXPECT_EQ(RestartBackoffFor(1), milliseconds(1000));
  EXPECT_EQ(RestartBackoffFor(7), Scheduler::kMaxBackoff);
  EXPECT_EQ(RestartBackoffFor(1000), Scheduler::kMaxBackoff);
}

TEST_F(SchedulerTest, HealthSaysAMonitorFailedUntilItRunsAgain) {
  clock.stop_at = clock.now + milliseconds(1500);
  FakeMonitor* flaky = Add("memory", 100);
  flaky->fail_checks = 1;
  Add("storage", 100000);
  Scheduler scheduler = Make();
  // Stop while the failed one waits out its backoff (due at 1000 + 2000 > 1500 after the
  // second failure is not reached: one failure, restart at 1 s, then fine).
  EXPECT_TRUE(scheduler.Run());
  EXPECT_EQ(scheduler.HealthOf("memory"), (Health{HealthState::kOk, "fine"}));
  EXPECT_EQ(events[0], "memory started");
  EXPECT_EQ(events[1], "memory failed: check failed: check broke; restart 1 in 1 s");
}

TEST_F(SchedulerTest, AMonitorWaitingToRestartIsReportedFailedAndNotStopped) {
  clock.stop_at = clock.now + milliseconds(500);
  FakeMonitor* broken = Add("storage", 100);
  broken->fail_starts = 100;
  Add("memory", 100);
  Scheduler scheduler = Make();
  EXPECT_TRUE(scheduler.Run());
  Health health = scheduler.HealthOf("storage");
  EXPECT_EQ(health.state, HealthState::kFailed);
  EXPECT_EQ(health.message, "start failed: start broke; restart 1 in 1 s");
  // Only the started one gets its final check.
  EXPECT_EQ(log.back(), "500 memory stop (final check)");
  EXPECT_EQ(std::count(log.begin(), log.end(), "500 storage stop (final check)"), 0);
}

TEST_F(SchedulerTest, AFailedStopMakesRunReportIt) {
  clock.stop_at = clock.now + milliseconds(50);
  FakeMonitor* monitor = Add("memory", 100);
  monitor->fail_stops = 1;
  Scheduler scheduler = Make();
  EXPECT_FALSE(scheduler.Run());
  EXPECT_EQ(events.back(), "memory stopped: stop failed: stop (final check) broke");
}

}  // namespace
}  // namespace virdomm::monitor
