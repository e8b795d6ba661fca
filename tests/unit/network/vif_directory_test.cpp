// Which dom0 devices the mirror uses: a domain's vifs by name, Domain M's mirror vif from its
// XML or from xenstore's backends, and the errors that say where it looked.
#include <gtest/gtest.h>

#include <map>

#include "common/error.h"
#include "network/domain_nics.h"
#include "network/vif_directory.h"

namespace virdomm {
namespace {

class FakeVifDirectory : public VifDirectory {
 public:
  std::vector<std::string> DeviceNames() override { return names; }
  std::vector<std::pair<int, std::string>> BackendMacs(protocol::DomId domid) override {
    ++backend_lookups;
    return backends[domid];
  }
  std::vector<std::string> names;
  std::map<protocol::DomId, std::vector<std::pair<int, std::string>>> backends;
  int backend_lookups = 0;
};

TEST(VifDirectory, NamesFollowNetback) {
  EXPECT_EQ(VifName(7, 0), "vif7.0");
  EXPECT_EQ(VifName(123, 12), "vif123.12");
}

TEST(VifDirectory, DomainVifsAreExactlyTheDomainsOwn) {
  std::vector<std::string> names = {"lo",          "eth0",       "xenbr0",  "vif9.1", "vif9.0",
                                    "vif90.0",     "vif9.0-emu", "vif19.0", "vif9.",  "vif9.x",
                                    "vif9.0-emux", "vif9.2",     "tap9.0",  "vif9.-1"};
  EXPECT_EQ(DomainVifs(names, 9),
            (std::vector<std::string>{"vif9.0", "vif9.0-emu", "vif9.1", "vif9.2"}));
  EXPECT_TRUE(DomainVifs(names, 8).empty());
  EXPECT_EQ(DomainVifs(names, 90), std::vector<std::string>{"vif90.0"});
}

constexpr const char* kMonitorXml = R"(<domain type='xen' id='7'>
  <name>web1-ids</name><uuid>5dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
  <devices>
    <interface type='bridge'><mac address='00:16:3e:3a:1c:07'/><target dev='vif7.0'/></interface>
    <interface type='bridge'><mac address='52:54:00:5D:EA:22'/><target dev='vif7.1'/></interface>
    <interface type='bridge'><mac address='52:54:00:5d:ea:23'/></interface>
  </devices>
</domain>)";

TEST(VifDirectory, TheMirrorNicInTheDomainXml) {
  EXPECT_EQ(VifOfMacInDomainXml(kMonitorXml, "52:54:00:5d:ea:22"), "vif7.1");
  EXPECT_TRUE(MacInDomainXml(kMonitorXml, "52:54:00:5d:ea:22"));
  // The NIC exists but libvirt named no vif for it (not started yet): no hint.
  EXPECT_EQ(VifOfMacInDomainXml(kMonitorXml, "52:54:00:5d:ea:23"), std::nullopt);
  EXPECT_TRUE(MacInDomainXml(kMonitorXml, "52:54:00:5d:ea:23"));
  EXPECT_FALSE(MacInDomainXml(kMonitorXml, "52:54:00:5d:ea:24"));
  EXPECT_FALSE(MacInDomainXml("<domain", "52:54:00:5d:ea:22"));
}

TEST(VifDirectory, FindMirrorVifTrustsAHintOnlyWhenItIsACurrentDeviceOfM) {
  FakeVifDirectory dir;
  dir.names = {"vif7.0", "vif7.1", "vif9.0"};
  dir.backends[7] = {{0, "00:16:3e:3a:1c:07"}, {1, "52:54:00:5D:EA:22"}};
  EXPECT_EQ(FindMirrorVif(dir, 7, "52:54:00:5d:ea:22", "vif7.1"), "vif7.1");
  EXPECT_EQ(dir.backend_lookups, 0);
  // No hint, or one of another domain (M restarted under a new domid): xenstore decides.
  EXPECT_EQ(FindMirrorVif(dir, 7, "52:54:00:5d:ea:22", ""), "vif7.1");
  EXPECT_EQ(FindMirrorVif(dir, 7, "52:54:00:5d:ea:22", "vif9.0"), "vif7.1");
  EXPECT_EQ(dir.backend_lookups, 2);
}

TEST(VifDirectory, FindMirrorVifSaysWhereItLooked) {
  FakeVifDirectory dir;
  dir.names = {"vif7.0"};
  dir.backends[7] = {{0, "00:16:3e:3a:1c:07"}, {1, "52:54:00:5d:ea:22"}};
  try {
    (void)FindMirrorVif(dir, 7, "52:54:00:5d:ea:22", "");
    FAIL() << "a backend without its device was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no device vif7.1"), std::string::npos) << e.what();
  }
  try {
    (void)FindMirrorVif(dir, 7, "52:54:00:5d:ea:99", "");
    FAIL() << "an unknown MAC was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no NIC with MAC 52:54:00:5d:ea:99"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("/local/domain/0/backend/vif/7/"), std::string::npos);
  }
}

}  // namespace
}  // namespace virdomm
