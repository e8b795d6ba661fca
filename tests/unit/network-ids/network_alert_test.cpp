#include "network/network_alert.h"

#include <gtest/gtest.h>

#include "network/eve_record.h"

namespace virdomm::monitor {
namespace {

TEST(NetworkAlert, SeverityFromPriority) {
  EXPECT_EQ(SeverityOfPriority(1), "critical");
  EXPECT_EQ(SeverityOfPriority(2), "warning");
  EXPECT_EQ(SeverityOfPriority(3), "info");
  EXPECT_EQ(SeverityOfPriority(4), "info");
}

TEST(NetworkAlert, CarriesRuleFlowAndApplicationFields) {
  EveAlert eve;
  eve.signature_id = 3341101;
  eve.rev = 2;
  eve.signature = "virdomm: shell";
  eve.priority = 1;
  eve.proto = "TCP";
  eve.src_ip = "169.254.71.2";
  eve.src_port = 40000;
  eve.dest_ip = "fe80::1";
  eve.dest_port = 80;
  eve.app_proto = "http";
  eve.http_method = "GET";
  eve.http_hostname = "web1";
  eve.http_url = "/cgi?x=/bin/sh";
  Alert alert = NetworkAlertOf(eve, "DomU's mirrored traffic on eth1", "2026-12-07T00:00:00Z");
  EXPECT_EQ(alert.monitor, "network");
  EXPECT_EQ(alert.severity, "critical");
  EXPECT_EQ(alert.summary,
            "virdomm: shell (sid 3341101) in DomU's mirrored traffic on eth1: TCP "
            "169.254.71.2:40000 -> [fe80::1]:80");
  ASSERT_EQ(alert.findings.size(), 3U);
  EXPECT_EQ(alert.findings[0], "rule: sid 3341101 rev 2 priority 1: virdomm: shell");
  EXPECT_EQ(alert.findings[1], "flow: TCP 169.254.71.2:40000 -> [fe80::1]:80 app http");
  EXPECT_EQ(alert.findings[2], "http: GET web1/cgi?x=/bin/sh");
  EXPECT_LE(EncodeAlert(alert, {"0123456789abcdef0123456789abcdef", 1}).size(), kMaxAlertBytes);
}

TEST(NetworkAlert, DnsAndNoPorts) {
  EveAlert eve;
  eve.signature_id = 3341002;
  eve.proto = "UDP";
  eve.src_ip = "169.254.71.2";
  eve.dest_ip = "169.254.71.1";
  eve.dns_rrname = "virdomm-marker.test";
  eve.dns_rrtype = "A";
  Alert alert = NetworkAlertOf(eve, "s", "t");
  EXPECT_EQ(FlowOf(eve), "UDP 169.254.71.2 -> 169.254.71.1");
  EXPECT_EQ(alert.findings.back(), "dns: query virdomm-marker.test A");
  EXPECT_EQ(alert.severity, "info");
}

}  // namespace
}  // namespace virdomm::monitor
