// Every event order of a pair, run through RunHook against the in-memory Xen: which actions
// happen, how the hook exits, what Domain M is told.
#include <gtest/gtest.h>

#include <cerrno>

#include "common/error.h"
#include "hook_test_support.h"
#include "incoming_moves.h"

namespace virdomm::test {
namespace {

using Actions = std::vector<std::string>;

const Actions kBindM7U9 = {"set-target M=7 U=9", "xs-set-target M=7 U=9", "publish M=7 bound U=9"};

Actions Concat(Actions a, const Actions& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

BindingState StateOf(MemoryXenHost& xen, DomId monitor) {
  auto published = xen.ReadBinding(monitor);
  EXPECT_TRUE(published.has_value()) << "Domain M " << monitor << " has no published state";
  return published ? published->binding.state : BindingState::kError;
}

class HookSequence : public ::testing::Test {
 protected:
  HookBench bench;
  TestDomain m = MonitorM();
  TestDomain u = TargetU();
};

TEST_F(HookSequence, TargetFirstThenMonitorBinds) {
  EXPECT_EQ(bench.Prepare(u).exit_code, 0);
  HookOutcome u_started = bench.Start(u, 9, /*paused=*/true);
  EXPECT_EQ(u_started.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(u_started.executed, Actions{"register web1 domid=9 role=target"});
  EXPECT_FALSE(bench.xen.XenTarget(7));

  EXPECT_EQ(bench.Prepare(m).exit_code, 0);
  HookOutcome m_started = bench.Start(m, 7);
  EXPECT_EQ(m_started.exit_code, 0) << LogText(bench.log);
  // Binding right away, M is told "bound" only: one xenstore transaction less while it waits.
  EXPECT_EQ(m_started.executed, Concat({"register web1-ids domid=7 role=monitor"}, kBindM7U9));
  EXPECT_TRUE(m_started.decision.binds);
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
  EXPECT_EQ(bench.xen.ReadTargetKey(7), 9U);
  auto published = bench.xen.ReadBinding(7);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->binding, (Binding{BindingState::kBound, 9, u.uuid, ""}));
  EXPECT_EQ(published->generation, 1U);  // bound, published once
}

TEST_F(HookSequence, MonitorFirstThenTargetBinds) {
  HookOutcome m_started = bench.Start(m, 7);
  EXPECT_EQ(m_started.exit_code, 0);
  EXPECT_EQ(m_started.executed,
            (Actions{"register web1-ids domid=7 role=monitor", "publish M=7 unbound"}));
  EXPECT_FALSE(m_started.decision.binds);
  EXPECT_EQ(StateOf(bench.xen, 7), BindingState::kUnbound);

  HookOutcome u_started = bench.Start(u, 9);
  EXPECT_EQ(u_started.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(u_started.executed, Concat({"register web1 domid=9 role=target"}, kBindM7U9));
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
  EXPECT_EQ(StateOf(bench.xen, 7), BindingState::kBound);
}

TEST_F(HookSequence, RestoreOfMonitorAloneBindsTheRestoredMonitor) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  // virsh save of M: stopped + release; U keeps running.
  std::vector<HookOutcome> stop = bench.Stop(m, 7);
  EXPECT_EQ(stop[0].executed, Actions{"unregister " + m.uuid});
  EXPECT_EQ(stop[1].executed, Actions{"unregister " + m.uuid});
  // virsh restore of M as domain 12: bound to the running U; M re-makes its mappings itself.
  HookOutcome restored = bench.Start(m, 12);
  EXPECT_EQ(restored.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(restored.executed,
            (Actions{"register web1-ids domid=12 role=monitor", "set-target M=12 U=9",
                     "xs-set-target M=12 U=9", "publish M=12 bound U=9"}));
  EXPECT_EQ(bench.xen.XenTarget(12), 9U);
  EXPECT_EQ(bench.xen.Calls().back(), "publish M=12 bound U=9");
}

TEST_F(HookSequence, RestoreOfTargetAloneTellsRunningMonitorToRestart) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  // virsh save of U: M is told its target is gone, once.
  std::vector<HookOutcome> stop = bench.Stop(u, 9);
  EXPECT_EQ(stop[0].executed, (Actions{"unregister " + u.uuid, "publish M=7 unbound"}));
  EXPECT_EQ(stop[1].executed, Actions{"unregister " + u.uuid});
  // Restored as 13: Xen keeps M's target at the old U (set once), so nothing is tried on Xen;
  // U keeps running and M is told to restart as a new domain, which then binds.
  HookOutcome restored = bench.Start(u, 13);
  EXPECT_EQ(restored.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(restored.executed,
            (Actions{"register web1 domid=13 role=target", "publish M=7 restart U=13"}));
  EXPECT_FALSE(restored.decision.binds);
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
  auto published = bench.xen.ReadBinding(7);
  ASSERT_TRUE(published);
  EXPECT_EQ(published->binding, (Binding{BindingState::kRestart, 13, u.uuid, ""}));
  EXPECT_NE(LogText(bench.log).find("keeps Xen target 9"), std::string::npos) << LogText(bench.log);
}

TEST_F(HookSequence, RebootOfTargetIsFollowedByTheRestartedMonitor) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  // A reboot of DomU: libvirt stops domain 9 and starts the same definition as domain 10.
  bench.Stop(u, 9);
  HookOutcome rebooted = bench.Start(u, 10);
  EXPECT_EQ(rebooted.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(StateOf(bench.xen, 7), BindingState::kRestart);
  // Domain M restarts itself (on_reboot=restart): stopped as 7, started as 11, which binds.
  bench.Stop(m, 7);
  HookOutcome m_again = bench.Start(m, 11);
  EXPECT_EQ(m_again.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(m_again.executed,
            (Actions{"register web1-ids domid=11 role=monitor", "set-target M=11 U=10",
                     "xs-set-target M=11 U=10", "publish M=11 bound U=10"}));
  EXPECT_EQ(bench.xen.XenTarget(11), 10U);
  EXPECT_EQ(StateOf(bench.xen, 11), BindingState::kBound);
}

TEST_F(HookSequence, ReconnectOfRebootedTargetRepeatsTheRestartRequest) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  bench.Stop(u, 9);
  bench.Start(u, 10);
  HookOutcome again = bench.Reconnect(u, 10);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.executed,
            (Actions{"register web1 domid=10 role=target", "publish M=7 restart U=10"}));
}

TEST_F(HookSequence, ReconnectWithBothRunningChangesNothing) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  bench.xen.ClearCalls();
  HookOutcome rm = bench.Reconnect(m, 7);
  HookOutcome ru = bench.Reconnect(u, 9);
  EXPECT_EQ(rm.exit_code, 0);
  EXPECT_EQ(ru.exit_code, 0);
  EXPECT_EQ(rm.executed, Actions{"register web1-ids domid=7 role=monitor"});
  EXPECT_EQ(ru.executed, Actions{"register web1 domid=9 role=target"});
  EXPECT_TRUE(bench.xen.Calls().empty()) << "no Xen change for a bound pair";
}

TEST_F(HookSequence, ReconnectBindsAPairThatWasNotBound) {
  bench.Start(m, 7);
  // U was started while the hook was absent, then registered by its own reconnect.
  bench.xen.AddDomain(XenDomainInfo{9, u.uuid, GuestKind::kPvh, false, false, false});
  HookOutcome ru = bench.Reconnect(u, 9);
  EXPECT_EQ(ru.exit_code, 0);
  EXPECT_EQ(ru.executed, Concat({"register web1 domid=9 role=target"}, kBindM7U9));
}

TEST_F(HookSequence, ReconnectNeverFailsEvenWhenBindingFails) {
  bench.Start(m, 7);
  bench.xen.AddDomain(XenDomainInfo{9, u.uuid, GuestKind::kPvh, false, false, false});
  bench.xen.FailNext("set_target", EPERM);
  HookOutcome ru = bench.Reconnect(u, 9);
  EXPECT_EQ(ru.exit_code, 0);
  EXPECT_EQ(StateOf(bench.xen, 7), BindingState::kError);
}

TEST_F(HookSequence, StoppedTargetUnbindsOnceAndIsIdempotent) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  std::uint64_t before = bench.xen.ReadBinding(7)->generation;
  std::vector<HookOutcome> stop = bench.Stop(u, 9);
  EXPECT_EQ(stop[0].exit_code, 0);
  EXPECT_EQ(stop[1].exit_code, 0);
  auto published = bench.xen.ReadBinding(7);
  EXPECT_EQ(published->binding, (Binding{BindingState::kUnbound, std::nullopt, u.uuid, ""}));
  EXPECT_EQ(published->generation, before + 1) << "release after stopped publishes nothing";
  // Running the pair of events again (libvirt retries, or a second cleanup) changes nothing.
  for (const HookOutcome& again : {bench.Run(u.name, "stopped", "end", WithId(u.xml, 9)),
                                   bench.Run(u.name, "release", "end", WithId(u.xml, {}))}) {
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_EQ(again.executed, Actions{"unregister " + u.uuid});
  }
  EXPECT_EQ(bench.xen.ReadBinding(7)->generation, before + 1);
}

TEST_F(HookSequence, StoppedMonitorTellsNobody) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  bench.xen.ClearCalls();
  std::vector<HookOutcome> stop = bench.Stop(m, 7);
  EXPECT_EQ(stop[0].executed, Actions{"unregister " + m.uuid});
  EXPECT_EQ(stop[1].executed, Actions{"unregister " + m.uuid});
  EXPECT_TRUE(bench.xen.Calls().empty()) << "a stopped Domain M changes nothing in Xen";
}

TEST_F(HookSequence, MigrationSourceSeesOnlyStoppedAndRelease) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  // U leaves first (live), then M (non-live): on the source only stopped/release run.
  bench.Stop(u, 9);
  EXPECT_EQ(StateOf(bench.xen, 7), BindingState::kUnbound);
  std::vector<HookOutcome> m_stop = bench.Stop(m, 7);
  EXPECT_EQ(m_stop[0].exit_code, 0);
  EXPECT_EQ(m_stop[1].exit_code, 0);
  EXPECT_FALSE(FileExists(bench.run_dir.Path() + "/hook/domains/" + m.uuid));
  EXPECT_FALSE(FileExists(bench.run_dir.Path() + "/hook/domains/" + u.uuid));
}

TEST_F(HookSequence, MigrationDestinationTargetThenMonitor) {
  // Destination host: migrate begin (empty stdin), prepare, started (paused) per domain.
  HookOutcome mig = bench.Run(u.name, "migrate", "begin", "");
  EXPECT_EQ(mig.exit_code, 0);
  EXPECT_TRUE(mig.executed.empty());
  EXPECT_EQ(bench.xen_opened, 0);
  EXPECT_EQ(bench.Prepare(u).exit_code, 0);
  EXPECT_EQ(bench.Start(u, 3, /*paused=*/true).executed,
            Actions{"register web1 domid=3 role=target"});
  EXPECT_EQ(bench.Run(m.name, "migrate", "begin", "").exit_code, 0);
  EXPECT_EQ(bench.Prepare(m).exit_code, 0);
  HookOutcome m_started = bench.Start(m, 4, /*paused=*/true);
  EXPECT_EQ(m_started.exit_code, 0) << LogText(bench.log);
  EXPECT_TRUE(m_started.decision.binds);
  EXPECT_EQ(bench.xen.XenTarget(4), 3U);
  EXPECT_EQ(StateOf(bench.xen, 4), BindingState::kBound);
  EXPECT_GT(m_started.duration.count(), 0);
  bool timed = false;
  for (const auto& entry : bench.log.entries) {
    timed = timed || entry.message.find("took") != std::string::npos;
  }
  EXPECT_TRUE(timed) << "started logs its run time";
}

TEST_F(HookSequence, MigrationDestinationMonitorThenTarget) {
  EXPECT_EQ(bench.Prepare(m).exit_code, 0);
  EXPECT_EQ(bench.Start(m, 4, true).exit_code, 0);
  EXPECT_FALSE(bench.xen.XenTarget(4)) << "nothing to bind before U is here";
  EXPECT_EQ(StateOf(bench.xen, 4), BindingState::kUnbound);
  EXPECT_EQ(bench.Prepare(u).exit_code, 0);
  HookOutcome u_started = bench.Start(u, 3, true);
  EXPECT_EQ(u_started.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(bench.xen.XenTarget(4), 3U);
  EXPECT_EQ(StateOf(bench.xen, 4), BindingState::kBound);
}

TEST_F(HookSequence, OneSidedTargetIsNotBoundAndMonitorIsTold) {
  TestDomain m2 = MonitorM2();
  bench.Start(u, 9);  // U names web1-ids, not web1-ids2
  HookOutcome started = bench.Start(m2, 8);
  EXPECT_EQ(started.exit_code, 0);
  EXPECT_FALSE(bench.xen.XenTarget(8));
  EXPECT_EQ(StateOf(bench.xen, 8), BindingState::kError);
  EXPECT_NE(LogText(bench.log).find("one-sided"), std::string::npos) << LogText(bench.log);
}

TEST_F(HookSequence, PrepareRejectsOneSidedOnlyUnderAbort) {
  TestDomain m2 = MonitorM2();
  bench.Start(u, 9);
  HookOutcome abort = bench.Prepare(m2);
  EXPECT_EQ(abort.exit_code, 1);
  EXPECT_NE(abort.reason.find("web1-ids2"), std::string::npos) << abort.reason;
  EXPECT_NE(abort.reason.find("one-sided"), std::string::npos) << abort.reason;
  m2.xml = Replace(m2.xml, "on-grant-failure=\"abort\"", "on-grant-failure=\"warn\"");
  HookOutcome warn = bench.Prepare(m2);
  EXPECT_EQ(warn.exit_code, 0);
  EXPECT_FALSE(warn.decision.warnings.empty());
}

TEST_F(HookSequence, TwoMonitorsClaimingOneTargetOnlyTheNamedOneBinds) {
  TestDomain m2 = MonitorM2();
  bench.Start(u, 9);
  bench.Start(m2, 8);
  HookOutcome m_started = bench.Start(m, 7);
  EXPECT_EQ(m_started.exit_code, 0);
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
  EXPECT_FALSE(bench.xen.XenTarget(8));
}

TEST_F(HookSequence, DyingPartnerIsNotBound) {
  bench.Start(u, 9);
  bench.xen.KillDomain(9);  // U is being destroyed (or a zombie held by an old M)
  HookOutcome m_started = bench.Start(m, 7);
  EXPECT_EQ(m_started.exit_code, 0);
  EXPECT_FALSE(m_started.decision.binds);
  EXPECT_FALSE(bench.xen.XenTarget(7));
}

TEST_F(HookSequence, SetTargetFailureFollowsPolicy) {
  bench.Start(m, 7);
  bench.xen.FailNext("set_target", EPERM);
  HookOutcome abort = bench.Start(u, 9);
  EXPECT_EQ(abort.exit_code, 1);
  EXPECT_NE(abort.reason.find("set_target(M=7, U=9)"), std::string::npos) << abort.reason;
  EXPECT_NE(abort.reason.find("Operation not permitted"), std::string::npos) << abort.reason;
  EXPECT_EQ(StateOf(bench.xen, 7), BindingState::kError);

  HookBench warn_bench;
  TestDomain uw = u;
  uw.xml = Replace(uw.xml, "on-grant-failure=\"abort\"", "on-grant-failure=\"warn\"");
  warn_bench.Start(m, 7);
  warn_bench.xen.FailNext("set_target", EPERM);
  EXPECT_EQ(warn_bench.Start(uw, 9).exit_code, 0);
}

TEST_F(HookSequence, PvTargetIsRefusedByPolicy) {
  u.kind = GuestKind::kPv;
  bench.Start(m, 7);
  HookOutcome started = bench.Start(u, 9);
  EXPECT_EQ(started.exit_code, 1);
  EXPECT_NE(started.reason.find("HVM or PVH"), std::string::npos) << started.reason;
}

TEST_F(HookSequence, HvmTargetBinds) {
  u.kind = GuestKind::kHvm;
  bench.Start(m, 7);
  EXPECT_EQ(bench.Start(u, 9).exit_code, 0);
  EXPECT_EQ(bench.xen.XenTarget(7), 9U);
}

TEST_F(HookSequence, XenUnreachableFollowsPolicyOnStartedOnly) {
  bench.xen_unreachable = true;
  HookOutcome abort = bench.Start(m, 7);
  EXPECT_EQ(abort.exit_code, 1);
  EXPECT_NE(abort.reason.find("web1-ids"), std::string::npos);
  EXPECT_NE(abort.reason.find("/dev/xen/privcmd"), std::string::npos) << abort.reason;
  TestDomain mw = m;
  mw.xml = Replace(mw.xml, "on-grant-failure=\"abort\"", "on-grant-failure=\"warn\"");
  EXPECT_EQ(bench.Start(mw, 7).exit_code, 0);
  EXPECT_EQ(bench.Reconnect(m, 7).exit_code, 0);
  EXPECT_EQ(bench.Run(u.name, "stopped", "end", WithId(u.xml, 9)).exit_code, 0);
  EXPECT_EQ(bench.Prepare(m).exit_code, 0);
}

TEST_F(HookSequence, UnpairedDomainNeverTouchesXen) {
  bench.xen_unreachable = true;
  std::string xml = ReadGolden("unpaired-hvm.xml");
  for (const auto& [op, sub] :
       std::vector<std::pair<std::string, std::string>>{{"prepare", "begin"},
                                                        {"start", "begin"},
                                                        {"started", "begin"},
                                                        {"stopped", "end"},
                                                        {"release", "end"},
                                                        {"reconnect", "begin"}}) {
    HookOutcome outcome = bench.Run("build-box", op, sub, xml);
    EXPECT_EQ(outcome.exit_code, 0) << op;
    EXPECT_TRUE(outcome.executed.empty() || outcome.executed[0].rfind("unregister", 0) == 0) << op;
  }
  EXPECT_EQ(bench.xen_opened, 0);
}

TEST_F(HookSequence, EmptyAndGarbageStdinOnEveryOpExitZero) {
  for (const std::string& input :
       {std::string(), std::string("<domain"), std::string("\x00\xff garbage", 10),
        std::string("<network><name>x</name></network>")}) {
    for (const auto& [op, sub] :
         std::vector<std::pair<std::string, std::string>>{{"prepare", "begin"},
                                                          {"start", "begin"},
                                                          {"started", "begin"},
                                                          {"stopped", "end"},
                                                          {"release", "end"},
                                                          {"migrate", "begin"},
                                                          {"reconnect", "begin"},
                                                          {"restore", "begin"}}) {
      HookOutcome outcome = bench.Run("web1", op, sub, input);
      EXPECT_EQ(outcome.exit_code, 0) << op << " with input of " << input.size() << " bytes";
      EXPECT_TRUE(outcome.executed.empty()) << op;
    }
  }
  EXPECT_EQ(bench.xen_opened, 0);
}

TEST_F(HookSequence, StaleRegistrationOfAnEarlierInstanceIsNotTrusted) {
  bench.Start(u, 9);
  // U's domain 9 vanished without a stopped hook (the hook was not installed then), and a new
  // instance runs as 11 that never registered: its old claim must not bind it.
  bench.xen.KillDomain(9);
  bench.xen.AddDomain(XenDomainInfo{11, u.uuid, GuestKind::kPvh, false, false, false});
  HookOutcome m_started = bench.Start(m, 7);
  EXPECT_EQ(m_started.exit_code, 0);
  EXPECT_FALSE(m_started.decision.binds);
  EXPECT_FALSE(bench.xen.XenTarget(7));
  EXPECT_NE(LogText(bench.log).find("earlier instance"), std::string::npos) << LogText(bench.log);
  // Its reconnect (libvirtd restart) registers it and binds.
  EXPECT_EQ(bench.Reconnect(u, 11).exit_code, 0);
  EXPECT_EQ(bench.xen.XenTarget(7), 11U);
}

TEST_F(HookSequence, RestartOfMonitorWhileTargetRunsBindsTheNewMonitor) {
  bench.Start(m, 7);
  bench.Start(u, 9);
  bench.Stop(m, 7);
  HookOutcome again = bench.Start(m, 10);
  EXPECT_EQ(again.exit_code, 0) << LogText(bench.log);
  EXPECT_EQ(bench.xen.XenTarget(10), 9U);
  EXPECT_EQ(StateOf(bench.xen, 10), BindingState::kBound);
}

// <policy order="domu-first">: Domain M arriving by a move (migrate begin, then prepare) before
// its DomU runs here is refused; a plain start of M, and M arriving after DomU, are not.
TEST_F(HookSequence, MoveOrderPolicyHoldsForIncomingMovesOnly) {
  TestDomain ordered_m = m;
  ordered_m.xml = Replace(m.xml, "on-grant-failure=\"abort\"",
                          "on-grant-failure=\"abort\" order=\"domu-first\"");
  EXPECT_EQ(bench.Prepare(ordered_m).exit_code, 0) << "a start is not a move";

  EXPECT_EQ(bench.Run(ordered_m.name, "migrate", "begin", "").exit_code, 0);
  HookOutcome refused = bench.Prepare(ordered_m);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.reason.find("wants DomU 'web1' moved to this host first"), std::string::npos)
      << refused.reason;
  EXPECT_EQ(bench.Prepare(ordered_m).exit_code, 0) << "the note is taken by the prepare it was for";

  bench.Start(u, 9);
  EXPECT_EQ(bench.Run(ordered_m.name, "migrate", "begin", "").exit_code, 0);
  EXPECT_EQ(bench.Prepare(ordered_m).exit_code, 0) << LogText(bench.log);
}

TEST(IncomingMoves, NotesOnlyNamesThatAreFileNames) {
  ScratchDir dir;
  IncomingMoves moves(dir.Path());
  EXPECT_FALSE(moves.Take("web1"));
  moves.Mark("web1");
  EXPECT_TRUE(moves.Take("web1"));
  EXPECT_FALSE(moves.Take("web1"));
  for (const std::string& bad :
       std::vector<std::string>{"", "../x", "a/b", ".hidden", std::string(256, 'n')}) {
    EXPECT_THROW(moves.Mark(bad), Error) << bad;
    EXPECT_FALSE(moves.Take(bad));
  }
}

}  // namespace
}  // namespace virdomm::test
