// The pure decision on hand-made facts: malformed metadata x policy x event, Xen errors, and
// the events that must never fail.
#include <gtest/gtest.h>

#include "hook_decision.h"
#include "hook_test_support.h"

namespace virdomm::test {
namespace {

HookEvent Event(const std::string& op, const std::string& sub, const std::string& xml) {
  return ParseHookEvent({"web1-ids", op, sub, "-"}, xml);
}

HookFacts FactsFor(const HookEvent& event) {
  HookFacts facts;
  facts.self = ReadSelfFacts(event);
  return facts;
}

std::string Malformed(const std::string& policy) {
  // A target element with a non-UUID: the pairing is unreadable, the policy still readable.
  std::string xml = Replace(ReadGolden("monitor-pv.xml"),
                            "<virdomm:target uuid=\"4dea22b3-1d52-d8f3-2516-782e98ab3fa0\"",
                            "<virdomm:target uuid=\"web1\"");
  return Replace(xml, "on-grant-failure=\"abort\"", "on-grant-failure=\"" + policy + "\"");
}

TEST(HookDecision, MalformedMetadataTimesPolicyTimesEvent) {
  struct Row {
    std::string op, sub, policy;
    int exit_code;
  };
  for (const Row& row : std::vector<Row>{{"prepare", "begin", "abort", 1},
                                         {"prepare", "begin", "warn", 0},
                                         {"started", "begin", "abort", 0},
                                         {"started", "begin", "warn", 0},
                                         {"reconnect", "begin", "abort", 0},
                                         {"stopped", "end", "abort", 0},
                                         {"release", "end", "abort", 0}}) {
    HookEvent event = Event(row.op, row.sub, WithId(Malformed(row.policy), 7));
    HookFacts facts = FactsFor(event);
    ASSERT_FALSE(facts.self.domain->pairing_error.empty());
    Decision d = Decide(event, facts);
    EXPECT_EQ(d.exit_code, row.exit_code) << row.op << " " << row.policy;
    if (d.exit_code != 0) {
      EXPECT_NE(d.reason.find("web1-ids"), std::string::npos) << d.reason;
      EXPECT_NE(d.reason.find("malformed pairing metadata"), std::string::npos) << d.reason;
      EXPECT_NE(d.reason.find("not a UUID"), std::string::npos) << d.reason;
    } else if (row.op == "prepare" || row.op == "started") {
      EXPECT_FALSE(d.warnings.empty()) << row.op << ": a malformed pairing is always reported";
    }
    for (const Action& a : d.actions) {
      EXPECT_EQ(a.kind, ActionKind::kUnregister) << "nothing but cleanup from bad metadata";
    }
  }
}

TEST(HookDecision, MalformedMetadataWithoutReadablePolicyIsTreatedAsAbort) {
  std::string xml =
      Replace(Malformed("abort"), "on-grant-failure=\"abort\"", "on-grant-failure=\"sometimes\"");
  HookEvent event = Event("prepare", "begin", xml);
  EXPECT_EQ(Decide(event, FactsFor(event)).exit_code, 1);
  EXPECT_EQ(ReadPolicyLeniently(Malformed("warn")), GrantFailurePolicy::kWarn);
  EXPECT_EQ(ReadPolicyLeniently("<domain"), std::nullopt);
}

TEST(HookDecision, SelfPairingIsMalformed) {
  std::string xml = Replace(ReadGolden("monitor-pv.xml"), "4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
                            "5dea22b3-1d52-d8f3-2516-782e98ab3fa0");
  HookEvent event = Event("prepare", "begin", xml);
  Decision d = Decide(event, FactsFor(event));
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_NE(d.reason.find("itself"), std::string::npos);
}

TEST(HookDecision, XenErrorOnStartedFollowsPolicyAndNeverOnReconnect) {
  for (const std::string policy : {"abort", "warn"}) {
    std::string xml = Replace(ReadGolden("monitor-pv.xml"), "on-grant-failure=\"abort\"",
                              "on-grant-failure=\"" + policy + "\"");
    for (const std::string op : {"started", "reconnect"}) {
      HookEvent event = Event(op, "begin", xml);
      HookFacts facts = FactsFor(event);
      facts.xen_error = "connecting to xenstore (is xenstored running?): Connection refused";
      Decision d = Decide(event, facts);
      int expected = (op == "started" && policy == "abort") ? 1 : 0;
      EXPECT_EQ(d.exit_code, expected) << op << " " << policy;
      EXPECT_TRUE(d.actions.empty());
      if (expected != 0) {
        EXPECT_NE(d.reason.find("xenstored"), std::string::npos);
      }
    }
  }
}

TEST(HookDecision, HostWhereMCannotMapIsRefusedAtPrepareByPolicy) {
  for (const std::string golden : {"monitor-pv.xml", "target-pvh.xml"}) {
    for (const std::string policy : {"abort", "warn"}) {
      std::string xml = Replace(ReadGolden(golden), "on-grant-failure=\"abort\"",
                                "on-grant-failure=\"" + policy + "\"");
      HookEvent event = Event("prepare", "begin", xml);
      HookFacts facts = FactsFor(event);
      facts.mapping_fault = "a PVH Domain M can map its target's memory only on Xen 4.19 or later";
      Decision d = Decide(event, facts);
      EXPECT_EQ(d.exit_code, policy == "abort" ? 1 : 0) << golden << " " << policy;
      const std::string& said = policy == "abort" ? d.reason : d.warnings.at(0);
      EXPECT_NE(said.find("cannot keep the pair monitored"), std::string::npos) << said;
      EXPECT_NE(said.find("only on Xen 4.19"), std::string::npos) << said;
      EXPECT_TRUE(d.actions.empty());
    }
  }
}

TEST(HookDecision, HostWhereMCanMapPassesPrepare) {
  HookEvent event = Event("prepare", "begin", ReadGolden("monitor-pv.xml"));
  Decision d = Decide(event, FactsFor(event));
  EXPECT_EQ(d.exit_code, 0);
  EXPECT_TRUE(d.warnings.empty());
}

TEST(HookDecision, MigrateBeginDoesNothingWhateverTheInput) {
  for (const std::string input : {"", "<domain type='xen'><name>x</name></domain>"}) {
    HookEvent event = Event("migrate", "begin", input);
    Decision d = Decide(event, FactsFor(event));
    EXPECT_EQ(d.exit_code, 0);
    // The executor notes the incoming move; the decision itself acts on nothing.
    EXPECT_TRUE(d.actions.empty());
    EXPECT_TRUE(d.warnings.empty());
    EXPECT_FALSE(NeedsXen(event, FactsFor(event).self));
  }
}

// A pairing whose policy names an order: an incoming move of the member that should follow is
// refused while its partner does not run on this host, and only then.
TEST(HookDecision, MoveOrderPolicyRefusesTheMemberThatShouldFollow) {
  struct Row {
    std::string golden, order;
    bool incoming, partner_here;
    int exit_code;
  };
  for (const Row& row : std::vector<Row>{{"monitor-pv.xml", "domu-first", true, false, 1},
                                         {"monitor-pv.xml", "domu-first", true, true, 0},
                                         {"monitor-pv.xml", "domu-first", false, false, 0},
                                         {"monitor-pv.xml", "monitor-first", true, false, 0},
                                         {"target-pvh.xml", "monitor-first", true, false, 1},
                                         {"target-pvh.xml", "monitor-first", true, true, 0},
                                         {"target-pvh.xml", "domu-first", true, false, 0}}) {
    for (const std::string policy : {"abort", "warn"}) {
      std::string xml = Replace(ReadGolden(row.golden), "on-grant-failure=\"abort\"",
                                "on-grant-failure=\"" + policy + "\" order=\"" + row.order + "\"");
      HookEvent event = Event("prepare", "begin", xml);
      HookFacts facts = FactsFor(event);
      ASSERT_TRUE(facts.self.domain->pairing) << facts.self.domain->pairing_error;
      ASSERT_EQ(ToString(*facts.self.domain->pairing->move_order), row.order);
      facts.incoming_move = row.incoming;
      if (row.partner_here) {
        const Pairing& p = *facts.self.domain->pairing;
        facts.partner_claim = Registration{
            p.partner.uuid,
            p.partner.name,
            9,
            p.role == PairingRole::kMonitor ? PairingRole::kTarget : PairingRole::kMonitor,
            facts.self.domain->uuid,
            facts.self.domain->name,
            GrantFailurePolicy::kAbort,
            "",
            std::nullopt};
      }
      Decision d = Decide(event, facts);
      std::string where = row.golden + " " + row.order + " " + policy;
      EXPECT_EQ(d.exit_code, row.exit_code) << where << ": " << d.reason;
      if (row.exit_code != 0) {
        EXPECT_NE(d.reason.find("order=" + row.order), std::string::npos) << d.reason;
        EXPECT_NE(d.reason.find(row.golden == "monitor-pv.xml" ? "wants DomU" : "wants Domain M"),
                  std::string::npos)
            << d.reason;
        EXPECT_NE(d.reason.find("virdomm migrate"), std::string::npos) << d.reason;
      }
    }
  }
}

TEST(HookDecision, StartedWithoutDomainIdIsAGrantFailure) {
  HookEvent event = Event("started", "begin", WithId(ReadGolden("monitor-pv.xml"), {}));
  Decision d = Decide(event, FactsFor(event));
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_NE(d.reason.find("no domain id"), std::string::npos);
}

TEST(HookDecision, StaleXenViewOfSelfIsAGrantFailure) {
  HookEvent event = Event("started", "begin", WithId(ReadGolden("monitor-pv.xml"), 7));
  HookFacts facts = FactsFor(event);
  facts.xen_consulted = true;
  facts.self_xen = XenDomainInfo{7, "00000000-0000-0000-0000-000000000001", GuestKind::kPv};
  Decision d = Decide(event, facts);
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_NE(d.reason.find("no live domain 7"), std::string::npos);
}

TEST(HookDecision, PvhMonitorIsRefused) {
  HookEvent event = Event("started", "begin", WithId(ReadGolden("monitor-pv.xml"), 7));
  HookFacts facts = FactsFor(event);
  facts.xen_consulted = true;
  facts.self_xen = XenDomainInfo{7, "5dea22b3-1d52-d8f3-2516-782e98ab3fa0", GuestKind::kPvh};
  Decision d = Decide(event, facts);
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_NE(d.reason.find("must be a PV guest"), std::string::npos);
  ASSERT_FALSE(d.actions.empty());
  EXPECT_EQ(d.actions.back().Describe().rfind("publish M=7 error: ", 0), 0U)
      << d.actions.back().Describe();
}

TEST(HookDecision, ActionsDescribeThemselves) {
  Action a;
  a.kind = ActionKind::kPublishState;
  a.monitor = 7;
  a.binding = Binding{BindingState::kBound, 9, "u", ""};
  EXPECT_EQ(a.Describe(), "publish M=7 bound U=9");
  EXPECT_EQ(ExitCodeFor(GrantFailurePolicy::kAbort), 1);
  EXPECT_EQ(ExitCodeFor(GrantFailurePolicy::kWarn), 0);
}

}  // namespace
}  // namespace virdomm::test

namespace virdomm::test {
namespace {

// The decision for a mutual pair that binds now, from Domain M's side (M=7, U=9).
Decision MonitorBinds(const std::string& xml) {
  HookEvent event = Event("started", "begin", WithId(xml, 7));
  HookFacts facts = FactsFor(event);
  facts.xen_consulted = true;
  facts.self_xen = XenDomainInfo{7, "5dea22b3-1d52-d8f3-2516-782e98ab3fa0", GuestKind::kPv};
  facts.partner_xen = XenDomainInfo{9, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0", GuestKind::kPvh};
  facts.partner_claim = Registration{"4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
                                     "web1",
                                     9,
                                     PairingRole::kTarget,
                                     "5dea22b3-1d52-d8f3-2516-782e98ab3fa0",
                                     "web1-ids",
                                     GrantFailurePolicy::kAbort,
                                     "",
                                     std::nullopt};
  return Decide(event, facts);
}

TEST(HookDecision, TheMirrorComesLastAndOnlyWithANetworkElement) {
  Decision with = MonitorBinds(ReadGolden("monitor-pv-mirror.xml"));
  ASSERT_TRUE(with.binds);
  ASSERT_FALSE(with.actions.empty());
  const Action& last = with.actions.back();
  EXPECT_EQ(last.kind, ActionKind::kMirrorTraffic);
  EXPECT_EQ(last.mirror_mac, "52:54:00:5d:ea:22");
  EXPECT_EQ(last.mirror_vif, "vif7.1");
  EXPECT_EQ(last.Describe(), "mirror U=9 to M=7 52:54:00:5d:ea:22 (vif7.1)");
  EXPECT_EQ(with.actions[0].registration.mirror_mac, "52:54:00:5d:ea:22");
  EXPECT_EQ(with.exit_code_on_failure, 1) << "the grant's policy is unchanged by the mirror";

  Decision without = MonitorBinds(ReadGolden("monitor-pv.xml"));
  for (const Action& a : without.actions) {
    EXPECT_FALSE(IsBestEffort(a.kind)) << a.Describe();
  }
  EXPECT_EQ(without.actions[0].registration.mirror_mac, "");
}

TEST(HookDecision, OnlyTheNetworkActionsAreBestEffort) {
  for (ActionKind kind : {ActionKind::kRegister, ActionKind::kUnregister, ActionKind::kSetTarget,
                          ActionKind::kXsSetTarget, ActionKind::kPublishState}) {
    EXPECT_FALSE(IsBestEffort(kind)) << ToString(kind);
  }
  for (ActionKind kind :
       {ActionKind::kMirrorTraffic, ActionKind::kStopMirror, ActionKind::kRemoveMirrorOrphans}) {
    EXPECT_TRUE(IsBestEffort(kind)) << ToString(kind);
  }
}

TEST(HookDecision, AStoppedMonitorWithAMirrorNeedsXenToFindItsTarget) {
  HookEvent stopped = Event("stopped", "end", WithId(ReadGolden("monitor-pv-mirror.xml"), 7));
  EXPECT_TRUE(NeedsXen(stopped, ReadSelfFacts(stopped)));
  HookEvent plain = Event("stopped", "end", WithId(ReadGolden("monitor-pv.xml"), 7));
  EXPECT_FALSE(NeedsXen(plain, ReadSelfFacts(plain)));
}

}  // namespace
}  // namespace virdomm::test
