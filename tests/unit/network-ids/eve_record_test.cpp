#include "network/eve_record.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace virdomm::monitor {
namespace {

// An alert line as Suricata 7.0.10 wrote it for the integration test's HTTP marker.
constexpr const char* kHttpAlert =
    R"({"timestamp":"2026-12-07T02:40:40.012104+0000","flow_id":1571504394063637,)"
    R"("in_iface":"eth1","event_type":"alert","src_ip":"169.254.71.2","src_port":39526,)"
    R"("dest_ip":"169.254.71.1","dest_port":80,"proto":"TCP","pkt_src":"wire/pcap","tx_id":0,)"
    R"("alert":{"action":"allowed","gid":1,"signature_id":3341001,"rev":1,)"
    R"("signature":"virdomm marker: HTTP request for /virdomm-marker-","category":"",)"
    R"("severity":3},"http":{"http_port":0,"url":"/virdomm-marker-x","http_method":"GET",)"
    R"("protocol":"HTTP/1.1","length":0},"app_proto":"http","direction":"to_server"})";

TEST(EveRecord, HttpAlertFields) {
  EveRecord record = ParseEveLine(kHttpAlert);
  const auto* alert = std::get_if<EveAlert>(&record);
  ASSERT_NE(alert, nullptr);
  EXPECT_EQ(alert->signature_id, 3341001U);
  EXPECT_EQ(alert->rev, 1U);
  EXPECT_EQ(alert->priority, 3);
  EXPECT_EQ(alert->signature, "virdomm marker: HTTP request for /virdomm-marker-");
  EXPECT_EQ(alert->src_ip, "169.254.71.2");
  EXPECT_EQ(alert->src_port, 39526);
  EXPECT_EQ(alert->dest_port, 80);
  EXPECT_EQ(alert->proto, "TCP");
  EXPECT_EQ(alert->http_url, "/virdomm-marker-x");
  EXPECT_EQ(alert->http_method, "GET");
  EXPECT_EQ(alert->app_proto, "http");
}

TEST(EveRecord, DnsQueryNameInEitherEveVersion) {
  for (const char* dns :
       {R"({"query":[{"type":"query","rrname":"virdomm-marker.test","rrtype":"A"}]})",
        R"({"queries":[{"rrname":"virdomm-marker.test","rrtype":"A"}]})",
        R"({"type":"query","rrname":"virdomm-marker.test","rrtype":"A"})"}) {
    std::string line = std::string(R"({"event_type":"alert","proto":"UDP","alert":)") +
                       R"({"signature_id":3341002,"severity":3},"dns":)" + dns + "}";
    EveRecord record = ParseEveLine(line);
    const auto& alert = std::get<EveAlert>(record);
    EXPECT_EQ(alert.dns_rrname, "virdomm-marker.test") << dns;
    EXPECT_EQ(alert.dns_rrtype, "A") << dns;
  }
}

TEST(EveRecord, StatsKernelDrops) {
  EveRecord record =
      ParseEveLine(R"({"timestamp":"t","event_type":"stats","stats":{"uptime":30,"capture":)"
                   R"({"kernel_packets":48,"kernel_drops":7,"errors":0}}})");
  const auto& stats = std::get<EveStats>(record);
  EXPECT_EQ(stats.kernel_packets, 48U);
  EXPECT_EQ(stats.kernel_drops, 7U);
}

TEST(EveRecord, OtherEventTypesAreIgnoredNotRefused) {
  EveRecord record = ParseEveLine(R"({"event_type":"flow","flow":{"pkts_toserver":3}})");
  EXPECT_EQ(std::get<EveOther>(record).event_type, "flow");
}

TEST(EveRecord, RefusesWhatIsNotAUsableRecord) {
  for (const char* line :
       {"", "not json", "[1,2]", "{\"event_type\":7}", "{}", R"({"event_type":"alert"})",
        R"({"event_type":"alert","alert":{"signature_id":"3341001"}})",
        R"({"event_type":"alert","alert":{"signature_id":-1}})",
        R"({"event_type":"stats","stats":{}})",
        R"({"event_type":"stats","stats":{"capture":{"kernel_drops":1.5}}})",
        "{\"event_type\":\"alert\"", "\xff\xfe"}) {
    EXPECT_THROW(ParseEveLine(line), Error) << line;
  }
  EXPECT_THROW(ParseEveLine(std::string(kMaxEveLineBytes + 1, ' ')), Error);
}

TEST(EveRecord, StringsAreBoundedAndFreeOfControlCharacters) {
  std::string url = "/a\\u001b[31m" + std::string(1000, 'x');
  std::string line = R"({"event_type":"alert","alert":{"signature_id":1,"signature":"s\nt"},)"
                     R"("http":{"url":")" +
                     url + R"("},"src_port":70000})";
  EveAlert alert = std::get<EveAlert>(ParseEveLine(line));
  EXPECT_EQ(alert.signature, "s?t");
  EXPECT_EQ(alert.http_url.size(), kMaxEveFieldBytes);
  EXPECT_EQ(alert.http_url.substr(0, 7), "/a?[31m");
  EXPECT_FALSE(alert.src_port.has_value());  // not a port
}

TEST(EveRecord, PriorityOutOfRangeKeepsTheDefault) {
  EveAlert alert = std::get<EveAlert>(
      ParseEveLine(R"({"event_type":"alert","alert":{"signature_id":1,"severity":0}})"));
  EXPECT_EQ(alert.priority, 3);
}

}  // namespace
}  // namespace virdomm::monitor
