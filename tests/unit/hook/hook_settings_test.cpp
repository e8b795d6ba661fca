// Domain M's settings from its pairing reach its xenstore home with the binding, whichever
// member binds the pair: from M's own XML, or from M's registration when DomU binds.
#include <gtest/gtest.h>

#include "hook_test_support.h"

namespace virdomm::test {
namespace {

const MonitorSettings kGoldenSettings{1000, {"kernel-text", "kernel-rodata"}, "/srv/nfs/web1.img"};

class HookSettings : public ::testing::Test {
 protected:
  HookBench bench;
  TestDomain m = MonitorM();
  TestDomain u = TargetU();
};

TEST_F(HookSettings, MonitorBindingPublishesItsOwnPairing) {
  EXPECT_EQ(bench.Start(u, 9, /*paused=*/true).exit_code, 0);
  EXPECT_EQ(bench.Start(m, 7).exit_code, 0) << LogText(bench.log);
  auto published = bench.xen.ReadBinding(7);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->binding.state, BindingState::kBound);
  EXPECT_EQ(published->settings, kGoldenSettings);
}

TEST_F(HookSettings, TargetBindingPublishesTheMonitorsRegistration) {
  m.xml = Replace(m.xml, R"(regions="kernel-text kernel-rodata" interval-ms="1000")",
                  R"(regions="kernel-rodata" interval-ms="250")");
  EXPECT_EQ(bench.Start(m, 7).exit_code, 0);
  auto alone = bench.xen.ReadBinding(7);
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->binding.state, BindingState::kUnbound);
  EXPECT_FALSE(alone->settings);  // only a binding carries them
  EXPECT_EQ(bench.Start(u, 9).exit_code, 0) << LogText(bench.log);
  auto published = bench.xen.ReadBinding(7);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->binding.state, BindingState::kBound);
  EXPECT_EQ(published->settings, (MonitorSettings{250, {"kernel-rodata"}, "/srv/nfs/web1.img"}));
}

TEST_F(HookSettings, APairingWithoutMemoryOrStorageMeansTheDefaultsAndNoImage) {
  m.xml = Replace(m.xml, R"(<virdomm:storage source="/srv/nfs/web1.img" format="raw"/>)", "");
  m.xml = Replace(
      m.xml, R"(<virdomm:memory regions="kernel-text kernel-rodata" interval-ms="1000"/>)", "");
  EXPECT_EQ(bench.Start(m, 7).exit_code, 0);
  EXPECT_EQ(bench.Start(u, 9).exit_code, 0) << LogText(bench.log);
  auto published = bench.xen.ReadBinding(7);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->settings, MonitorSettings{});
  EXPECT_EQ(published->settings->storage_source, "");
}

TEST_F(HookSettings, AnUnbindingLeavesThemAsTheyWere) {
  EXPECT_EQ(bench.Start(m, 7).exit_code, 0);
  EXPECT_EQ(bench.Start(u, 9).exit_code, 0);
  (void)bench.Stop(u, 9);
  auto published = bench.xen.ReadBinding(7);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->binding.state, BindingState::kUnbound);
  EXPECT_EQ(published->settings, kGoldenSettings);
}

}  // namespace
}  // namespace virdomm::test
