// Parse/emit of the pairing element, including malformed input.
#include <gtest/gtest.h>

#include "pairing/pairing_xml.h"

namespace virdomm {
namespace {

constexpr const char* kMonitorXml =
    R"(<virdomm:pairing xmlns:virdomm="urn:virdomm:pairing:1" role="monitor">
  <virdomm:target uuid="4DEA22B3-1D52-D8F3-2516-782E98AB3FA0" name="web1"/>
  <virdomm:storage source="/srv/nfs/web1.img" format="raw"/>
  <virdomm:memory regions="kernel-text kernel-rodata" interval-ms="500"/>
  <virdomm:policy on-grant-failure="warn"/>
</virdomm:pairing>)";

TEST(PairingXml, ParsesMonitorSide) {
  Pairing p = ParsePairing(kMonitorXml);
  EXPECT_EQ(p.role, PairingRole::kMonitor);
  EXPECT_EQ(p.partner.uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
  EXPECT_EQ(p.partner.name, "web1");
  ASSERT_TRUE(p.storage.has_value());
  EXPECT_EQ(p.storage->source, "/srv/nfs/web1.img");
  ASSERT_TRUE(p.memory.has_value());
  EXPECT_EQ(p.memory->interval_ms, 500U);
  EXPECT_EQ(p.on_grant_failure, GrantFailurePolicy::kWarn);
}

TEST(PairingXml, EmitThenParseIsIdentity) {
  Pairing p = ParsePairing(kMonitorXml);
  EXPECT_EQ(ParsePairing(EmitPairing(p)), p);
  p.move_order = MoveOrder::kMonitorFirst;
  EXPECT_NE(EmitPairing(p).find("order=\"monitor-first\""), std::string::npos);
  EXPECT_EQ(ParsePairing(EmitPairing(p)), p);
}

TEST(PairingXml, PolicyAttributesAreEachOptional) {
  Pairing ordered = ParsePairing(
      R"(<pairing xmlns="urn:virdomm:pairing:1" role="target"><monitor uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><policy order="domu-first"/></pairing>)");
  EXPECT_EQ(ordered.move_order, MoveOrder::kDomuFirst);
  EXPECT_EQ(ordered.on_grant_failure, GrantFailurePolicy::kAbort);
  EXPECT_EQ(ParsePairing(kMonitorXml).move_order, std::nullopt);
}

TEST(PairingXml, MirrorMacIsCanonicalAndRoundTrips) {
  Pairing p = ParsePairing(
      R"(<pairing xmlns="urn:virdomm:pairing:1" role="monitor"><target uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><network mirror-mac="52:54:00:AB:Cd:0e"/></pairing>)");
  ASSERT_TRUE(p.network.has_value());
  EXPECT_EQ(p.network->mirror_mac, "52:54:00:ab:cd:0e");
  EXPECT_NE(EmitPairing(p).find("<virdomm:network mirror-mac=\"52:54:00:ab:cd:0e\"/>"),
            std::string::npos);
  EXPECT_EQ(ParsePairing(EmitPairing(p)), p);
  EXPECT_EQ(ParsePairing(kMonitorXml).network, std::nullopt);
}

TEST(PairingMac, CanonicalUnicastMac) {
  std::string why;
  EXPECT_EQ(CanonicalUnicastMac("02:00:00:00:00:01", why), "02:00:00:00:00:01");
  EXPECT_EQ(CanonicalUnicastMac("FE:FF:FF:FF:FF:FF", why), "fe:ff:ff:ff:ff:ff");
  for (const char* bad : {"", "52:54:00:ab:cd", "52:54:00:ab:cd:0e:", "52-54-00-ab-cd-0e",
                          "5254.00ab.cd0e", "52:54:00:ab:cd:0g", " 52:54:00:ab:cd:0e"}) {
    EXPECT_EQ(CanonicalUnicastMac(bad, why), "") << bad;
    EXPECT_NE(why.find("not a MAC"), std::string::npos) << bad;
  }
  for (const char* multicast : {"01:00:5e:00:00:01", "33:33:00:00:00:01", "ff:ff:ff:ff:ff:ff"}) {
    EXPECT_EQ(CanonicalUnicastMac(multicast, why), "") << multicast;
    EXPECT_NE(why.find("multicast"), std::string::npos) << multicast;
  }
}

struct BadCase {
  const char* name;
  const char* xml;
  const char* expected_fragment;
};

class PairingXmlRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(PairingXmlRejects, WithAClearMessage) {
  const BadCase& c = GetParam();
  try {
    (void)ParsePairing(c.xml);
    FAIL() << c.name << " was accepted";
  } catch (const PairingError& e) {
    EXPECT_NE(std::string(e.what()).find(c.expected_fragment), std::string::npos)
        << c.name << ": " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, PairingXmlRejects,
    ::testing::Values(
        BadCase{
            "wrong namespace",
            R"(<pairing xmlns="urn:other" role="target"><monitor uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/></pairing>)",
            "expected urn:virdomm:pairing:1"},
        BadCase{
            "no namespace",
            R"(<pairing role="target"><monitor uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/></pairing>)",
            "namespace (none)"},
        BadCase{
            "missing uuid",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="target"><monitor name="m"/></pairing>)",
            "lacks the 'uuid'"},
        BadCase{
            "bad uuid",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="target"><monitor uuid="not-a-uuid"/></pairing>)",
            "is not a UUID"},
        BadCase{
            "two targets",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="monitor"><target uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><target uuid="5dea22b3-1d52-d8f3-2516-782e98ab3fa0"/></pairing>)",
            "more than one <target>"},
        BadCase{"no partner", R"(<pairing xmlns="urn:virdomm:pairing:1" role="monitor"/>)",
                "needs a <target"},
        BadCase{
            "bad role",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="boss"><target uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/></pairing>)",
            "must be 'monitor' or 'target'"},
        BadCase{
            "storage on target",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="target"><monitor uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><storage source="/x"/></pairing>)",
            "not allowed for role='target'"},
        BadCase{
            "interval zero",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="monitor"><target uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><memory interval-ms="0"/></pairing>)",
            "interval-ms='0'"},
        BadCase{
            "unknown region",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="monitor"><target uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><memory regions="kernel-heap"/></pairing>)",
            "unknown region 'kernel-heap'"},
        BadCase{
            "unknown move order",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="target"><monitor uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><policy order="both"/></pairing>)",
            "must be 'domu-first' or 'monitor-first'"},
        BadCase{
            "multicast mirror mac",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="monitor"><target uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><network mirror-mac="01:00:5e:00:00:fb"/></pairing>)",
            "<network mirror-mac='01:00:5e:00:00:fb'> is a multicast address"},
        BadCase{
            "malformed mirror mac",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="monitor"><target uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><network mirror-mac="52:54:00:ab:cd"/></pairing>)",
            "is not a MAC address"},
        BadCase{
            "network on target",
            R"(<pairing xmlns="urn:virdomm:pairing:1" role="target"><monitor uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0"/><network mirror-mac="52:54:00:ab:cd:0e"/></pairing>)",
            "not allowed for role='target'"},
        BadCase{"not well-formed", R"(<pairing xmlns="urn:virdomm:pairing:1" role="monitor">)",
                "malformed XML"},
        BadCase{"non-UTF-8",
                "<pairing xmlns=\"urn:virdomm:pairing:1\" role=\"target\"><monitor "
                "uuid=\"4dea22b3-1d52-d8f3-2516-782e98ab3fa0\" name=\"\xff\xfe\"/></pairing>",
                "malformed XML"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string n = info.param.name;
      for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(PairingXml, RejectsOversizedInput) {
  std::string huge = "<pairing xmlns=\"urn:virdomm:pairing:1\" role=\"target\"><!--" +
                     std::string(kMaxXmlBytes, 'x') + "--></pairing>";
  EXPECT_THROW((void)ParsePairing(huge), PairingError);
}

}  // namespace
}  // namespace virdomm
