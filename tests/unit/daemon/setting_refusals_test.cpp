// A refused setting is logged once, is a warning finding while it lasts, and degrades health.
#include "daemon/setting_refusals.h"

#include <gtest/gtest.h>

namespace virdomm::monitor {
namespace {

TEST(SettingRefusals, AreFindingsAndDegradeHealthWhileTheyLast) {
  Console console(true);
  SettingRefusals refusals;
  EXPECT_EQ(refusals.HealthAfterCheck("0 changes"), (Health{HealthState::kOk, "0 changes"}));
  refusals.Update({"refused virdomm/memory-interval-ms = 'x'; checking every 1000 ms", ""}, console,
                  "memory");
  std::vector<Finding> findings = refusals.With({{"kprobe|text|f+5", "kprobe at f+5", "warning"}});
  ASSERT_EQ(findings.size(), 2U);
  EXPECT_EQ(findings[1].severity, "warning");
  EXPECT_EQ(findings[1].line, "refused virdomm/memory-interval-ms = 'x'; checking every 1000 ms");
  EXPECT_EQ(refusals.HealthAfterCheck("1 change"),
            (Health{HealthState::kDegraded,
                    "1 change; refused virdomm/memory-interval-ms = 'x'; checking every 1000 ms"}));
  refusals.Update({""}, console, "memory");
  EXPECT_EQ(refusals.With({}).size(), 0U);
  EXPECT_EQ(refusals.HealthAfterCheck("ok").state, HealthState::kOk);
}

}  // namespace
}  // namespace virdomm::monitor
