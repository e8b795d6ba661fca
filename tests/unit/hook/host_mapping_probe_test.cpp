// Whether a Domain M can map its target on a host and keep its mappings through a move: a PV
// monitor anywhere; a PVH/HVM monitor never, with the reason of the host's Xen (read from a
// sysfs-like version directory): before 4.19 it cannot map at all, since then its p2m mappings
// would not survive a move; an unreadable version refuses a PVH monitor too, never a PV one.
#include "host_mapping_probe.h"

#include <gtest/gtest.h>

#include <string>

#include "hook_test_support.h"

namespace virdomm::test {
namespace {

std::optional<XenVersion> VersionIn(ScratchDir& dir, const std::string& major,
                                    const std::string& minor, const std::string& extra,
                                    std::string& error) {
  WriteFile(dir.Path() + "/major", major + "\n");
  WriteFile(dir.Path() + "/minor", minor + "\n");
  WriteFile(dir.Path() + "/extra", extra + "\n");
  return ReadHypervisorVersion(dir.Path(), error);
}

TEST(HostMappingProbe, ReadsTheHypervisorVersion) {
  ScratchDir dir;
  std::string error;
  std::optional<XenVersion> v = VersionIn(dir, "4", "17", ".7", error);
  ASSERT_TRUE(v) << error;
  EXPECT_EQ(v->major, 4);
  EXPECT_EQ(v->minor, 17);
  EXPECT_EQ(v->extra, ".7");
}

TEST(HostMappingProbe, GarbageVersionIsAnError) {
  ScratchDir dir;
  std::string error;
  EXPECT_FALSE(VersionIn(dir, "4", "x17", "", error));
  EXPECT_NE(error.find("holds no version number"), std::string::npos) << error;
  EXPECT_FALSE(ReadHypervisorVersion(dir.Path() + "/absent", error));
  EXPECT_NE(error.find("cannot read the hypervisor's version"), std::string::npos) << error;
}

TEST(HostMappingProbe, PvMonitorMapsOnAnyXen) {
  EXPECT_EQ(MonitorMappingFault(GuestKind::kPv, XenVersion{4, 17, ".7"}, ""), "");
  EXPECT_EQ(MonitorMappingFault(GuestKind::kPv, std::nullopt, "no sysfs"), "");
}

TEST(HostMappingProbe, PvhMonitorIsRefusedWithTheReasonOfItsXen) {
  for (GuestKind kind : {GuestKind::kPvh, GuestKind::kHvm}) {
    std::string fault = MonitorMappingFault(kind, XenVersion{4, 17, ".7"}, "");
    EXPECT_NE(fault.find("only on Xen 4.19 or later"), std::string::npos) << fault;
    EXPECT_NE(fault.find("runs Xen 4.17.7"), std::string::npos) << fault;
    EXPECT_NE(fault.find("run Domain M as a PV guest"), std::string::npos) << fault;
    // Xen 4.19+ lets it map, but its p2m mappings would not survive a move.
    for (XenVersion newer :
         {XenVersion{4, 19, ".0"}, XenVersion{4, 20, ".4"}, XenVersion{5, 0, ""}}) {
      fault = MonitorMappingFault(kind, newer, "");
      EXPECT_NE(fault.find("maps its target on Xen " + std::to_string(newer.major) + "." +
                           std::to_string(newer.minor) + newer.extra),
                std::string::npos)
          << fault;
      EXPECT_NE(fault.find("only in a PV guest"), std::string::npos) << fault;
      EXPECT_NE(fault.find("run Domain M as a PV guest"), std::string::npos) << fault;
    }
    fault = MonitorMappingFault(kind, std::nullopt, "cannot read the hypervisor's version");
    EXPECT_NE(fault.find("needs Xen 4.19 or later"), std::string::npos) << fault;
    EXPECT_NE(fault.find("cannot read"), std::string::npos) << fault;
  }
}

}  // namespace
}  // namespace virdomm::test
