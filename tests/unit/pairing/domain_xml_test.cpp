// Domain identity, guest kind and pairing from libvirt domain XML.
#include <gtest/gtest.h>

#include "common/error.h"
#include "domain/domain_xml.h"

namespace virdomm {
namespace {

TEST(DomainXml, ReadsPvhTargetWithPairing) {
  DomainFacts f = ParseDomainXml(R"(<domain type="xen" id="7">
  <name>web1</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
  <os><type arch="x86_64" machine="xenpvh">xenpvh</type></os>
  <metadata><virdomm:pairing xmlns:virdomm="urn:virdomm:pairing:1" role="target">
    <virdomm:monitor uuid="5dea22b3-1d52-d8f3-2516-782e98ab3fa0" name="web1-ids"/>
  </virdomm:pairing></metadata></domain>)");
  EXPECT_EQ(f.name, "web1");
  EXPECT_EQ(f.id, 7);
  EXPECT_EQ(f.kind, GuestKind::kPvh);
  ASSERT_TRUE(f.pairing.has_value());
  EXPECT_EQ(f.pairing->partner.name, "web1-ids");
  EXPECT_TRUE(f.pairing_error.empty());
}

TEST(DomainXml, MalformedPairingIsReportedNotThrown) {
  DomainFacts f = ParseDomainXml(R"(<domain type="xen"><name>m</name>
  <uuid>5dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid><os><type>linux</type></os>
  <metadata><p:pairing xmlns:p="urn:virdomm:pairing:1" role="monitor"/></metadata></domain>)");
  EXPECT_EQ(f.kind, GuestKind::kPv);
  EXPECT_FALSE(f.pairing.has_value());
  EXPECT_NE(f.pairing_error.find("needs a <target"), std::string::npos);
}

TEST(DomainXml, RejectsNonDomain) { EXPECT_THROW((void)ParseDomainXml("<network/>"), Error); }

}  // namespace
}  // namespace virdomm
