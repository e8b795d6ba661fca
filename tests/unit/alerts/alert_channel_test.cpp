// Domain M's publisher and dom0's collector over one in-memory xenstore: alerts arrive once and
// in order, wait while the collector is away, are published again after M's move, and a DomU
// cannot inject alerts into its own home.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "alerts/alert_collector.h"
#include "alerts/alert_log.h"
#include "alerts/alert_publisher.h"
#include "alerts/alert_spool.h"
#include "common/error.h"
#include "memory_xenstore.h"

namespace virdomm {
namespace {

using monitor::Alert;
using monitor::AlertPublisher;
using monitor::AlertSpool;

class ChannelTest : public ::testing::Test {
 protected:
  static constexpr unsigned kMonitor = 5;
  static constexpr unsigned kTarget = 4;
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "channel-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    AddDomain(kMonitor, "rig-domm", "11111111-1111-1111-1111-111111111111");
    AddDomain(kTarget, "rig-domu", "22222222-2222-2222-2222-222222222222");
    // What the hook writes when it binds the pair: dom0-owned.
    store_.nodes["/local/domain/5/virdomm/target-uuid"] = {"22222222-2222-2222-2222-222222222222",
                                                           0};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void AddDomain(unsigned domid, const std::string& name, const std::string& uuid) {
    std::string home = "/local/domain/" + std::to_string(domid);
    store_.nodes[home + "/name"] = {name, 0};
    store_.nodes[home + "/vm"] = {"/vm/" + uuid, 0};
  }
  AlertCollector Collector() {
    return AlertCollector(
        "host1", {},
        [this](const std::vector<DeliveredAlert>& batch) {
          log_.insert(log_.end(), batch.begin(), batch.end());
        },
        [] { return std::string("2026-12-03T10:00:01Z"); });
  }
  static Alert Named(const std::string& summary) {
    return {"2026-12-03T10:00:00Z", "memory", "warning", summary, {"kprobe at f+5"}};
  }

  std::filesystem::path dir_;
  testing::MemoryXenstore store_;
  std::vector<DeliveredAlert> log_;
};

TEST_F(ChannelTest, AlertsRaisedWhileTheCollectorIsAwayArriveOnceInOrderWithThePairsNames) {
  AlertSpool spool(dir_);
  AlertPublisher publisher(spool);
  testing::GuestView guest(store_, kMonitor);
  testing::Dom0View dom0(store_);
  spool.Append(Named("one"));
  spool.Append(Named("two"));
  EXPECT_EQ(publisher.RunOnce(guest).published, 2U);  // no collector yet: they wait in xenstore

  AlertCollector collector = Collector();
  CollectRound round = collector.RunOnce(dom0);
  ASSERT_EQ(round.delivered.size(), 2U);
  EXPECT_EQ(round.delivered[0].summary, "one");
  EXPECT_EQ(round.delivered[1].summary, "two");
  EXPECT_EQ(round.delivered[0].target.name, "rig-domu");
  EXPECT_EQ(round.delivered[0].target.uuid, "22222222-2222-2222-2222-222222222222");
  EXPECT_EQ(round.delivered[0].monitor.name, "rig-domm");
  EXPECT_EQ(round.delivered[0].monitor.domid, kMonitor);
  EXPECT_EQ(round.delivered[1].Id(), spool.Id() + ":2");

  EXPECT_TRUE(collector.RunOnce(dom0).delivered.empty()) << "delivered once";
  monitor::PublishRound taken = publisher.RunOnce(guest);
  EXPECT_EQ(taken.acknowledged, 2U);
  EXPECT_EQ(taken.pending, 0U);
  EXPECT_TRUE(spool.Pending(10).empty());
  EXPECT_TRUE(guest.List("data/virdomm-alerts").empty());
}

TEST_F(ChannelTest, AfterDomainMMovesItsPendingAlertsArePublishedAgainOnTheNewHost) {
  AlertSpool spool(dir_);
  AlertPublisher publisher(spool);
  testing::GuestView guest(store_, kMonitor);
  spool.Append(Named("before the move"));
  publisher.RunOnce(guest);
  store_.Erase("/local/domain/5/data");  // the new host's xenstore has none of M's keys
  spool.Append(Named("after the move"));
  EXPECT_EQ(publisher.RunOnce(guest).published, 2U);
  testing::Dom0View dom0(store_);
  AlertCollector collector = Collector();
  ASSERT_EQ(collector.RunOnce(dom0).delivered.size(), 2U);
}

TEST_F(ChannelTest, ARestartedCollectorGoesOnFromItsLogAndARepeatIsNotDeliveredAgain) {
  AlertSpool spool(dir_);
  AlertPublisher publisher(spool);
  testing::GuestView guest(store_, kMonitor);
  testing::Dom0View dom0(store_);
  spool.Append(Named("one"));
  publisher.RunOnce(guest);
  Collector().RunOnce(dom0);
  // Before M saw the acknowledgement, the collector restarted from its log's tail.
  store_.Erase("/local/domain/5/virdomm/alerts-acked");
  AlertCollector restarted(
      "host1", {{spool.Id(), 1}},
      [this](const std::vector<DeliveredAlert>& batch) {
        log_.insert(log_.end(), batch.begin(), batch.end());
      },
      [] { return std::string("now"); });
  EXPECT_TRUE(restarted.RunOnce(dom0).delivered.empty());
  EXPECT_EQ(log_.size(), 1U);
  EXPECT_EQ(publisher.RunOnce(guest).acknowledged, 1U) << "the restarted collector acknowledged";
}

TEST_F(ChannelTest, ADomUCannotInjectAlertsAndGarbageIsRefusedWithAReason) {
  testing::Dom0View dom0(store_);
  // DomU writes an alert into its own data/ and even a target-uuid it cannot really own.
  store_.nodes["/local/domain/4/virdomm/target-uuid"] = {"x", kTarget};
  store_.nodes["/local/domain/4/data/virdomm-alerts/1"] = {
      R"({"spool":"00000000000000000000000000000000","seq":1,"time":"t","monitor":"memory",)"
      R"("severity":"critical","summary":"forged"})",
      kTarget};
  store_.nodes["/local/domain/5/data/virdomm-alerts/7"] = {"{not json", kMonitor};
  AlertCollector collector = Collector();
  CollectRound round = collector.RunOnce(dom0);
  EXPECT_TRUE(round.delivered.empty());
  ASSERT_EQ(round.problems.size(), 1U);
  EXPECT_NE(round.problems[0].find("not a JSON object"), std::string::npos) << round.problems[0];
  EXPECT_TRUE(collector.RunOnce(dom0).problems.empty()) << "a refusal is said once";
}

TEST_F(ChannelTest, TheLogHoldsOneAlertALineAndNothingElse) {
  std::filesystem::path path = dir_ / "alerts.jsonl";
  DeliveredAlert alert = ParseMonitorAlert(
      R"({"spool":"0123456789abcdef0123456789abcdef","seq":1,"time":"t","monitor":"network",)"
      R"("severity":"info","summary":"marker","findings":["dns: query virdomm-marker.test A"]})");
  alert.host = "host1";
  alert.received = "r";
  DeliveredAlert second = alert;
  second.seq = 2;
  {
    AlertLogWriter log(path);
    log.Append({alert});
    log.Append({second});
  }
  std::vector<std::string> lines;
  ReadAlertLog(path, false, [&](const std::string& line) {
    lines.push_back(line);
    return true;
  });
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(ParseAlertLine(lines[0]).seq, 1U);
  EXPECT_EQ(ParseAlertLine(lines[1]).seq, 2U);
}

TEST(DeliveredAlertTest, ALogLineReadsBackAndTextHasNoControlCharacters) {
  DeliveredAlert alert = ParseMonitorAlert(
      R"({"spool":"0123456789abcdef0123456789abcdef","seq":3,"time":"t","monitor":"storage",)"
      R"("severity":"critical","summary":"added /etc/x\u001b[31m","findings":["added /etc/x"]})");
  alert.host = "host1";
  alert.received = "r";
  alert.target = {"web", "u-uuid", 4};
  alert.monitor = {"web-m", "m-uuid", 5};
  DeliveredAlert back = ParseAlertLine(FormatAlertLine(alert));
  EXPECT_EQ(back.Id(), alert.Id());
  EXPECT_EQ(back.target.name, "web");
  EXPECT_EQ(back.findings, alert.findings);
  EXPECT_EQ(FormatAlertText(back).find('\x1b'), std::string::npos);
  EXPECT_THROW(ParseMonitorAlert(R"({"spool":"short","seq":1})"), Error);
  EXPECT_THROW(ParseMonitorAlert(std::string(3000, ' ')), Error);
}

}  // namespace
}  // namespace virdomm
