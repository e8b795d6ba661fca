// The libvirt layer against libvirt's real test driver, in one process (the test driver keeps
// state per connection): lookup, metadata get/set/remove with live/config, undo, define/undefine.
#include <gtest/gtest.h>

#include <libvirt/virterror.h>

#include <filesystem>

#include "libvirt/connection.h"
#include "libvirt/domain_views.h"
#include "libvirt/metadata_side.h"
#include "pairing/pair_report.h"
#include "pairing/pair_transaction.h"
#include "pairing/pairing_xml.h"

namespace virdomm {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWeb1 = "4dea22b3-1d52-d8f3-2516-782e98ab3fa0";
constexpr const char* kWeb1Ids = "5dea22b3-1d52-d8f3-2516-782e98ab3fa0";

class LibvirtTestDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    SilenceLibvirtErrorPrinting();
    conn_.emplace("test://" + (fs::path(VIRDOMM_TEST_DATA_DIR) / "pairing/node.xml").string());
  }
  Connection& Conn() { return *conn_; }
  const PairingSchema& Schema() {
    static const PairingSchema schema = PairingSchema::BuiltIn();
    return schema;
  }
  static std::string MonitorOf(const std::string& target_uuid, const std::string& name) {
    Pairing p;
    p.role = PairingRole::kMonitor;
    p.partner = {target_uuid, name};
    p.memory = MemorySpec{};
    return EmitPairing(p);
  }
  static std::string TargetOf(const std::string& monitor_uuid, const std::string& name) {
    Pairing p;
    p.role = PairingRole::kTarget;
    p.partner = {monitor_uuid, name};
    return EmitPairing(p);
  }

 private:
  std::optional<Connection> conn_;
};

TEST_F(LibvirtTestDriver, LooksUpDomainsByIdUuidAndNameAsVirshDoes) {
  Domain by_name = Conn().LookupDomain("web1");
  EXPECT_EQ(by_name.Uuid(), kWeb1);
  EXPECT_EQ(Conn().LookupDomain(kWeb1).Name(), "web1");
  EXPECT_EQ(Conn().LookupDomain("4DEA22B31D52D8F32516782E98AB3FA0").Name(), "web1");
  EXPECT_EQ(Conn().LookupDomain("1").Name(), "web1");  // ids: node order, running ones
  try {
    (void)Conn().LookupDomain("no-such-domain");
    FAIL() << "found a domain that does not exist";
  } catch (const LibvirtError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("'no-such-domain'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("list --all"), std::string::npos) << msg;
    EXPECT_EQ(e.Code(), VIR_ERR_NO_DOMAIN) << msg;
  }
  EXPECT_FALSE(Conn().FindByUuid("11111111-2222-3333-4444-555555555555").has_value());
}

TEST_F(LibvirtTestDriver, WriteScopeFollowsTheDomainState) {
  EXPECT_EQ(Conn().LookupDomain("web1").WriteScope(), MetadataScope::kLiveAndConfig);
  EXPECT_EQ(Conn().LookupDomain("db1").WriteScope(), MetadataScope::kConfig);
}

TEST_F(LibvirtTestDriver, SetGetRemoveOnARunningDomainTouchesLiveAndConfig) {
  Domain web1 = Conn().LookupDomain("web1");
  EXPECT_FALSE(web1.GetPairingMetadata(MetadataScope::kLive).has_value());
  std::string xml = TargetOf(kWeb1Ids, "web1-ids");
  web1.SetPairingMetadata(xml, MetadataScope::kLiveAndConfig);
  for (MetadataScope which : {MetadataScope::kLive, MetadataScope::kConfig}) {
    auto got = web1.GetPairingMetadata(which);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(ParsePairing(*got), ParsePairing(xml)) << *got;
  }
  // Both full definitions carry it, prefixed as virsh dumpxml shows it.
  EXPECT_NE(web1.LiveXml().find("<virdomm:pairing"), std::string::npos) << web1.LiveXml();
  EXPECT_NE(web1.ConfigXml()->find("<virdomm:pairing"), std::string::npos);
  web1.SetPairingMetadata(std::nullopt, MetadataScope::kLiveAndConfig);
  EXPECT_FALSE(web1.GetPairingMetadata(MetadataScope::kLive).has_value());
  EXPECT_FALSE(web1.GetPairingMetadata(MetadataScope::kConfig).has_value());
}

TEST_F(LibvirtTestDriver, LiveOnlyWriteIsReportedAsDrift) {
  Domain web1 = Conn().LookupDomain("web1");
  Domain m = Conn().LookupDomain("web1-ids");
  m.SetPairingMetadata(MonitorOf(kWeb1, "web1"), MetadataScope::kLiveAndConfig);
  web1.SetPairingMetadata(TargetOf(kWeb1Ids, "web1-ids"), MetadataScope::kLiveAndConfig);
  EXPECT_TRUE(CheckPairs(CollectDomainViews(Conn(), Schema())).Ok());

  web1.SetPairingMetadata(std::nullopt, MetadataScope::kConfig);  // as `virsh edit` could
  CheckReport report = CheckPairs(CollectDomainViews(Conn(), Schema()));
  ASSERT_EQ(report.problems.size(), 1U);
  EXPECT_NE(report.problems[0].message.find("live and saved definitions disagree"),
            std::string::npos)
      << report.problems[0].message;
}

TEST_F(LibvirtTestDriver, UndoPutsBackLiveAndConfigSeparately) {
  Domain web1 = Conn().LookupDomain("web1");
  std::string live_xml = TargetOf(kWeb1Ids, "live-name");
  web1.SetPairingMetadata(live_xml, MetadataScope::kLive);  // config stays empty
  LibvirtMetadataSide side(web1);
  side.Save();
  side.Write(TargetOf("0a1b2c3d-0000-4000-8000-000000000002", "db1-ids"));
  side.Restore();
  EXPECT_EQ(ParsePairing(*web1.GetPairingMetadata(MetadataScope::kLive)).partner.name, "live-name");
  EXPECT_FALSE(web1.GetPairingMetadata(MetadataScope::kConfig).has_value());
}

TEST_F(LibvirtTestDriver, PairingSurvivesUndefineAndDefine) {
  Domain db1 = Conn().LookupDomain("db1");  // shut off: config only
  db1.SetPairingMetadata(TargetOf("0a1b2c3d-0000-4000-8000-000000000002", "db1-ids"),
                         db1.WriteScope());
  std::string saved = *db1.ConfigXml();
  ASSERT_EQ(virDomainUndefine(db1.Raw()), 0);
  EXPECT_FALSE(Conn().FindByUuid("0a1b2c3d-0000-4000-8000-000000000001").has_value());
  Domain again = Conn().DefineXml(saved);
  auto got = again.GetPairingMetadata(MetadataScope::kConfig);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(ParsePairing(*got).partner.uuid, "0a1b2c3d-0000-4000-8000-000000000002");
  // And once started, the live definition carries it too.
  ASSERT_EQ(virDomainCreate(again.Raw()), 0);
  EXPECT_TRUE(again.GetPairingMetadata(MetadataScope::kLive).has_value());
}

TEST_F(LibvirtTestDriver, ViewsOfTheNodeMatchTheFixture) {
  std::vector<DomainView> views = CollectDomainViews(Conn(), Schema());
  ASSERT_EQ(views.size(), 6U);
  int running = 0;
  for (const auto& v : views) {
    running += v.running ? 1 : 0;
    EXPECT_EQ(v.effective.hypervisor, "xen");
    EXPECT_NE(v.effective.kind, GuestKind::kUnknown) << v.effective.name;
  }
  EXPECT_EQ(running, 3);
}

}  // namespace
}  // namespace virdomm
