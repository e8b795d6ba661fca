// Registrations on disk: round trip, absence, corruption, hostile UUIDs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/error.h"
#include "hook_test_support.h"
#include "pair_registry.h"

namespace virdomm::test {
namespace {

Registration Sample() {
  return Registration{"4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
                      "web 1\nsecond line",
                      9,
                      PairingRole::kTarget,
                      "5dea22b3-1d52-d8f3-2516-782e98ab3fa0",
                      "web1-ids",
                      GrantFailurePolicy::kWarn,
                      "",
                      std::nullopt};
}

TEST(PairRegistry, RoundTripsAMonitorsSettings) {
  ScratchDir dir;
  PairRegistry registry(dir.Path());
  Registration monitor = Sample();
  monitor.role = PairingRole::kMonitor;
  monitor.settings = MonitorSettings{250, {"kernel-rodata"}, "/srv/nfs/web1 image.img"};
  registry.Register(monitor);
  Registration expected = monitor;
  expected.name = "web 1 second line";
  EXPECT_EQ(registry.Find(monitor.uuid), expected);
  monitor.settings->storage_source = "";  // no <storage>
  registry.Register(monitor);
  EXPECT_EQ(registry.Find(monitor.uuid)->settings, monitor.settings);
}

TEST(PairRegistry, RefusesPartOrGarbageOfTheSettings) {
  std::string text = FormatRegistration(Sample());
  EXPECT_THROW(ParseRegistration(text + "memory-interval-ms 250\n", "r"), Error);
  EXPECT_THROW(ParseRegistration(text + "memory-interval-ms 5\nmemory-regions kernel-text\n"
                                        "storage-source /a\n",
                                 "r"),
               Error);
  EXPECT_NO_THROW(ParseRegistration(
      text + "memory-interval-ms 250\nmemory-regions kernel-text\nstorage-source /a\n", "r"));
}

TEST(PairRegistry, RoundTripsAndUnregisters) {
  ScratchDir dir;
  PairRegistry registry(dir.Path());
  EXPECT_EQ(registry.Find(Sample().uuid), std::nullopt);
  registry.Register(Sample());
  auto found = registry.Find(Sample().uuid);
  ASSERT_TRUE(found);
  Registration expected = Sample();
  expected.name = "web 1 second line";  // one line per field on disk
  EXPECT_EQ(*found, expected);
  struct stat st {};
  ASSERT_EQ(::stat(registry.PathOf(Sample().uuid).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  registry.Unregister(Sample().uuid);
  registry.Unregister(Sample().uuid);  // idempotent
  EXPECT_EQ(registry.Find(Sample().uuid), std::nullopt);
}

TEST(PairRegistry, RejectsCorruptFiles) {
  ScratchDir dir;
  PairRegistry registry(dir.Path());
  std::string text = FormatRegistration(Sample());
  for (const std::string& bad :
       {std::string("garbage\n"), text.substr(0, text.size() - 1), text + "domid 10\n",
        Replace(text, "domid 9", "domid nine"), Replace(text, "role target", "role boss")}) {
    WriteFile(registry.PathOf(Sample().uuid), bad);
    EXPECT_THROW((void)registry.Find(Sample().uuid), Error) << bad;
  }
}

TEST(PairRegistry, CarriesTheMonitorsMirrorMac) {
  ScratchDir dir;
  PairRegistry registry(dir.Path());
  Registration r = Sample();
  r.role = PairingRole::kMonitor;
  r.mirror_mac = "52:54:00:5d:ea:22";
  registry.Register(r);
  auto found = registry.Find(r.uuid);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->mirror_mac, "52:54:00:5d:ea:22");
  // A file written before the mirror existed has no such line: no mirror.
  EXPECT_EQ(FormatRegistration(Sample()).find("mirror-mac"), std::string::npos);
  EXPECT_EQ(ParseRegistration(FormatRegistration(Sample()), "old").mirror_mac, "");
  WriteFile(registry.PathOf(r.uuid),
            Replace(FormatRegistration(r), "52:54:00:5d:ea:22", "01:00:5e:00:00:01"));
  EXPECT_THROW((void)registry.Find(r.uuid), Error);
}

TEST(PairRegistry, RefusesNonUuidNames) {
  ScratchDir dir;
  PairRegistry registry(dir.Path());
  EXPECT_THROW((void)registry.PathOf("../../etc/passwd"), Error);
  Registration r = Sample();
  r.uuid = "../x";
  EXPECT_THROW(registry.Register(r), Error);
}

}  // namespace
}  // namespace virdomm::test
