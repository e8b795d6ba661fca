// The copy of DomU's traffic to Domain M's mirror NIC in every event order of a pair, run
// through RunHook against the in-memory Xen and a recording traffic mirror: who sets it up,
// who removes it, and that it never changes how the hook exits.
#include <gtest/gtest.h>

#include <cerrno>

#include "hook_test_support.h"

namespace virdomm::test {
namespace {

using Calls = std::vector<std::string>;

const std::string kStartFromM = "start M=7 U=9 52:54:00:5d:ea:22 vif7.1";
const std::string kStartFromU = "start M=7 U=9 52:54:00:5d:ea:22";

BindingState StateOfBinding(MemoryXenHost& xen, DomId monitor) {
  auto published = xen.ReadBinding(monitor);
  return published ? published->binding.state : BindingState::kError;
}

bool Logged(const MemoryHookLog& log, LogLevel level, const std::string& fragment) {
  for (const auto& entry : log.entries) {
    if (entry.level == level && entry.message.find(fragment) != std::string::npos) {
      return true;
    }
  }
  return false;
}

class HookMirrorSequence : public ::testing::Test {
 protected:
  HookBench bench;
  TestDomain m = MonitorWithMirror();
  TestDomain u = TargetU();
};

TEST_F(HookMirrorSequence, TargetFirstThenMonitorBindsAndMirrorsFromItsOwnXml) {
  EXPECT_EQ(bench.Start(u, 9).exit_code, 0);
  EXPECT_TRUE(bench.network.calls.empty()) << "nothing to mirror to before M runs";
  HookOutcome m_started = bench.Start(m, 7);
  EXPECT_EQ(m_started.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(bench.network.calls, Calls{kStartFromM});
  EXPECT_EQ(m_started.executed.back(), "mirror U=9 to M=7 52:54:00:5d:ea:22 (vif7.1)");
  EXPECT_TRUE(Logged(bench.log, LogLevel::kInfo, "mirroring vif9.0 to vif7.1"))
      << LogText(bench.log);
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
}

TEST_F(HookMirrorSequence, MonitorFirstThenTargetBindsAndMirrorsFromTheRegistration) {
  EXPECT_EQ(bench.Start(m, 7).exit_code, 0);
  EXPECT_TRUE(bench.network.calls.empty()) << "M alone: no DomU vifs yet";
  HookOutcome u_started = bench.Start(u, 9);
  EXPECT_EQ(u_started.exit_code, 0) << LogText(bench.log);
  // DomU's hook has no M XML: the MAC comes from M's registration, the vif from xenstore.
  EXPECT_EQ(bench.network.calls, Calls{kStartFromU});
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
}

TEST_F(HookMirrorSequence, MigrationDestinationEitherOrderMirrorsOnce) {
  bench.Run(u.name, "migrate", "begin", "");
  EXPECT_EQ(bench.Prepare(u).exit_code, 0);
  EXPECT_EQ(bench.Start(u, 9, /*paused=*/true).exit_code, 0);
  bench.Run(m.name, "migrate", "begin", "");
  EXPECT_EQ(bench.Prepare(m).exit_code, 0);
  EXPECT_EQ(bench.Start(m, 7, /*paused=*/true).exit_code, 0);
  EXPECT_EQ(bench.network.calls, Calls{kStartFromM});

  HookBench other;
  EXPECT_EQ(other.Start(m, 7, true).exit_code, 0);
  EXPECT_EQ(other.Start(u, 9, true).exit_code, 0);
  EXPECT_EQ(other.network.calls, Calls{kStartFromU});
}

TEST_F(HookMirrorSequence, AFailingMirrorNeverFailsStartedAndTheBindingHappens) {
  bench.network.fail = true;
  bench.Start(u, 9);
  HookOutcome m_started = bench.Start(m, 7);  // policy abort: a grant failure would exit 1
  EXPECT_EQ(m_started.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
  EXPECT_EQ(StateOfBinding(bench.xen, 7), BindingState::kBound);
  EXPECT_TRUE(Logged(bench.log, LogLevel::kWarning, "continuing without the copy"))
      << LogText(bench.log);
  EXPECT_TRUE(Logged(bench.log, LogLevel::kWarning, "Operation not permitted"));
  EXPECT_FALSE(Logged(bench.log, LogLevel::kError, "")) << LogText(bench.log);

  HookBench other;
  other.network.fail = true;
  other.Start(m, 7);
  EXPECT_EQ(other.Start(u, 9).exit_code, 0) << LogText(other.log);
  EXPECT_EQ(StateOfBinding(other.xen, 7), BindingState::kBound);
}

TEST_F(HookMirrorSequence, MonitorWithoutTheNicIsWarnedAndStillBinds) {
  m.xml = Replace(m.xml, "52:54:00:5D:EA:22", "52:54:00:5d:ea:99");
  bench.Start(u, 9);
  HookOutcome m_started = bench.Start(m, 7);
  EXPECT_EQ(m_started.exit_code, 0);
  EXPECT_TRUE(bench.network.calls.empty());
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
  EXPECT_TRUE(Logged(bench.log, LogLevel::kWarning, "no NIC with mirror-mac 52:54:00:5d:ea:22"))
      << LogText(bench.log);
}

TEST_F(HookMirrorSequence, StoppedMonitorRemovesTheCopyFromTheRunningTarget) {
  bench.Start(u, 9);
  bench.Start(m, 7);
  bench.network.calls.clear();
  std::vector<HookOutcome> stop = bench.Stop(m, 7);
  EXPECT_EQ(stop[0].exit_code, 0);
  EXPECT_EQ(stop[1].exit_code, 0);
  // stopped and release both ask: the second finds nothing, teardown is idempotent.
  EXPECT_EQ(bench.network.calls, (Calls{"stop U=9", "stop U=9"}));
}

TEST_F(HookMirrorSequence, StoppedMonitorNeverFailsWhenTheMirrorCannotBeRemoved) {
  bench.Start(u, 9);
  bench.Start(m, 7);
  bench.network.fail = true;
  for (const HookOutcome& o : bench.Stop(m, 7)) {
    EXPECT_EQ(o.exit_code, 0);
  }
  EXPECT_TRUE(Logged(bench.log, LogLevel::kWarning, "stop-mirror U=9 failed"))
      << LogText(bench.log);
}

TEST_F(HookMirrorSequence, StoppedTargetTakesItsVifsAndTheirCopiesWithIt) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  bench.network.calls.clear();
  bench.Stop(u, 9);
  EXPECT_TRUE(bench.network.calls.empty());
  EXPECT_EQ(StateOfBinding(bench.xen, 7), BindingState::kUnbound);
}

TEST_F(HookMirrorSequence, MigrationSourceMonitorLeavingAfterTargetRemovesNothing) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  bench.network.calls.clear();
  bench.Stop(u, 9);  // DomU moved first
  bench.Stop(m, 7);  // then M: DomU is no longer here
  EXPECT_TRUE(bench.network.calls.empty());
}

TEST_F(HookMirrorSequence, MigrationSourceMonitorLeavingFirstRemovesTheCopy) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  bench.network.calls.clear();
  bench.Stop(m, 7);  // monitor-first: DomU still runs here, M's vif is gone
  EXPECT_EQ(bench.network.calls, (Calls{"stop U=9", "stop U=9"}));
}

TEST_F(HookMirrorSequence, ReconnectRebuildsTheCopyForABoundPair) {
  bench.Start(u, 9);
  bench.Start(m, 7);
  bench.network.calls.clear();
  EXPECT_EQ(bench.Reconnect(m, 7).exit_code, 0);
  EXPECT_EQ(bench.Reconnect(u, 9).exit_code, 0);
  EXPECT_EQ(bench.network.calls, (Calls{kStartFromM, kStartFromU}));
}

TEST_F(HookMirrorSequence, ReconnectOfATargetWithoutItsMonitorSweepsOrphans) {
  bench.Start(u, 9);
  bench.Start(m, 7);
  bench.xen.KillDomain(7);  // M went while libvirtd was away: no stopped hook ran
  bench.network.calls.clear();
  EXPECT_EQ(bench.Reconnect(u, 9).exit_code, 0);
  EXPECT_EQ(bench.network.calls, Calls{"orphans U=9"});
  bench.network.fail = true;
  EXPECT_EQ(bench.Reconnect(u, 9).exit_code, 0) << "reconnect never fails";
}

TEST_F(HookMirrorSequence, ReconnectNeverFailsWhenTheMirrorFails) {
  bench.Start(u, 9);
  bench.Start(m, 7);
  bench.network.fail = true;
  EXPECT_EQ(bench.Reconnect(m, 7).exit_code, 0);
  EXPECT_EQ(bench.Reconnect(u, 9).exit_code, 0);
}

TEST_F(HookMirrorSequence, RestartRequestMirrorsNothingUntilTheNewMonitorBinds) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  bench.Stop(u, 9);
  bench.network.calls.clear();
  EXPECT_EQ(bench.Start(u, 10).exit_code, 0);  // DomU rebooted: M must restart
  EXPECT_TRUE(bench.network.calls.empty());
  bench.Stop(m, 7);
  EXPECT_EQ(bench.network.calls, (Calls{"stop U=10", "stop U=10"}));
  bench.network.calls.clear();
  bench.Start(m, 11);
  EXPECT_EQ(bench.network.calls, Calls{"start M=11 U=10 52:54:00:5d:ea:22 vif7.1"});
}

TEST_F(HookMirrorSequence, APairWithoutNetworkNeverOpensTheMirror) {
  TestDomain plain = MonitorM();
  bench.Start(u, 9);
  bench.Start(plain, 7);
  bench.Reconnect(plain, 7);
  bench.Reconnect(u, 9);
  bench.Stop(plain, 7);
  bench.Stop(u, 9);
  EXPECT_EQ(bench.network_opened, 0);
  EXPECT_TRUE(bench.network.calls.empty());
}

TEST_F(HookMirrorSequence, SetTargetFailureLeavesNoCopy) {
  bench.Start(m, 7);
  bench.xen.FailNext("set_target", EPERM);
  EXPECT_EQ(bench.Start(u, 9).exit_code, 1);
  EXPECT_TRUE(bench.network.calls.empty()) << "no copy for a pair that is not bound";
}

}  // namespace
}  // namespace virdomm::test
