// The spool keeps alerts in order across reopening, drops the oldest when full and says so,
// and the gate raises an alert only when a monitor's findings change.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "alerts/alert_spool.h"
#include "alerts/monitor_alerts.h"
#include "common/error.h"

namespace virdomm::monitor {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "spool-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static Alert Named(const std::string& summary) {
    return {"2026-12-03T10:00:00Z", "memory", "critical", summary, {"a finding"}};
  }
  std::filesystem::path dir_;
};

TEST_F(SpoolTest, AlertsWaitInOrderAcrossReopeningAndLeaveWhenAcknowledged) {
  std::string id;
  {
    AlertSpool spool(dir_);
    id = spool.Id();
    EXPECT_EQ(spool.Append(Named("first")), 1U);
    EXPECT_EQ(spool.Append(Named("second")), 2U);
  }
  AlertSpool reopened(dir_);
  EXPECT_EQ(reopened.Id(), id);
  EXPECT_EQ(reopened.Append(Named("third")), 3U);
  std::vector<SpooledAlert> pending = reopened.Pending(10);
  ASSERT_EQ(pending.size(), 3U);
  EXPECT_NE(pending[0].json.find("\"summary\":\"first\""), std::string::npos);
  EXPECT_NE(pending[2].json.find("\"seq\":3"), std::string::npos);
  EXPECT_NE(pending[2].json.find("\"spool\":\"" + id + "\""), std::string::npos);

  EXPECT_TRUE(reopened.AcknowledgeThrough(2));
  pending = reopened.Pending(10);
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].seq, 3U);
  EXPECT_FALSE(reopened.AcknowledgeThrough(2)) << "a stale acknowledgement";
  EXPECT_FALSE(reopened.AcknowledgeThrough(9)) << "beyond the last alert stored";
  EXPECT_TRUE(reopened.AcknowledgeThrough(3));
  EXPECT_TRUE(reopened.Pending(10).empty());
  EXPECT_EQ(reopened.Append(Named("fourth")), 4U) << "a seq is never reused";
}

TEST_F(SpoolTest, FullSpoolDropsTheOldestAndRecordsHowManyWereLost) {
  AlertSpool spool(dir_, 4);
  for (int i = 1; i <= 4; ++i) {
    spool.Append(Named("alert " + std::to_string(i)));
  }
  EXPECT_EQ(spool.Append(Named("alert 5")), 6U);
  std::vector<SpooledAlert> pending = spool.Pending(10);
  ASSERT_EQ(pending.size(), 4U);
  EXPECT_NE(pending[0].json.find("alert 3"), std::string::npos);
  EXPECT_NE(pending[1].json.find("alert 4"), std::string::npos);
  EXPECT_NE(pending[2].json.find("\"monitor\":\"spool\""), std::string::npos);
  EXPECT_NE(pending[2].json.find("2 alert(s) dropped"), std::string::npos);
  EXPECT_NE(pending[2].json.find("seq 1 to 2"), std::string::npos);
  EXPECT_NE(pending[3].json.find("alert 5"), std::string::npos);
}

TEST_F(SpoolTest, AnOverlongAlertIsCutToFitOneXenstoreValue) {
  AlertSpool spool(dir_);
  Alert alert = Named(std::string(5000, 'x'));
  for (int i = 0; i < 100; ++i) {
    alert.findings.push_back("finding " + std::string(200, static_cast<char>('a' + i % 26)));
  }
  spool.Append(alert);
  std::vector<SpooledAlert> pending = spool.Pending(1);
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_LE(pending[0].json.size(), kMaxAlertBytes);
  EXPECT_NE(pending[0].json.find("\"findings_omitted\":"), std::string::npos);
}

TEST_F(SpoolTest, AGarbledSpoolIdIsRefusedRatherThanReplaced) {
  { AlertSpool spool(dir_); }
  std::ofstream(dir_ / "spool-id") << "not an id\n";
  EXPECT_THROW(AlertSpool{dir_}, Error);
}

TEST_F(SpoolTest, GateRaisesOnNewFindingsOnceAndWhenTheyAreGone) {
  AlertSpool spool(dir_);
  MonitorAlerts memory(spool, "memory");
  EXPECT_FALSE(memory.Observe({}, "Xen domain 7")) << "clean from the start: nothing to say";
  std::vector<Finding> kprobe = {{"kprobe|text|f+5", "kprobe at f+5", "warning"}};
  EXPECT_EQ(memory.Observe(kprobe, "Xen domain 7"), 1U);
  EXPECT_FALSE(memory.Observe(kprobe, "Xen domain 7")) << "the same finding again";
  kprobe.push_back({"unknown_text|text|g+0", "unknown_text at g+0", "critical"});
  EXPECT_EQ(memory.Observe(kprobe, "Xen domain 7"), 2U);
  EXPECT_EQ(memory.Observe({}, "Xen domain 7"), 3U);
  std::vector<SpooledAlert> pending = spool.Pending(10);
  ASSERT_EQ(pending.size(), 3U);
  EXPECT_NE(pending[1].json.find("\"severity\":\"critical\""), std::string::npos);
  EXPECT_NE(pending[1].json.find("\"summary\":\"2 finding(s) in Xen domain 7: unknown_text"),
            std::string::npos);
  EXPECT_NE(pending[2].json.find("clean again"), std::string::npos);
  std::ifstream health(dir_ / "health-memory");
  std::string line;
  std::getline(health, line);
  EXPECT_NE(line.find("\"result\":\"clean\""), std::string::npos);
}

}  // namespace
}  // namespace virdomm::monitor
