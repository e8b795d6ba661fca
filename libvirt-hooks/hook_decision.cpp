// The decision table of the hook, event by event (README.md describes the same in prose).
#include "hook_decision.h"

namespace virdomm {

std::string_view ToString(ActionKind kind) {
  switch (kind) {
    case ActionKind::kRegister:
      return "register";
    case ActionKind::kUnregister:
      return "unregister";
    case ActionKind::kSetTarget:
      return "set-target";
    case ActionKind::kXsSetTarget:
      return "xs-set-target";
    case ActionKind::kPublishState:
      return "publish";
    case ActionKind::kMirrorTraffic:
      return "mirror";
    case ActionKind::kStopMirror:
      return "stop-mirror";
    case ActionKind::kRemoveMirrorOrphans:
      return "remove-mirror-orphans";
  }
  return "unknown";
}

bool IsBestEffort(ActionKind kind) {
  return kind == ActionKind::kMirrorTraffic || kind == ActionKind::kStopMirror ||
         kind == ActionKind::kRemoveMirrorOrphans;
}

std::string Action::Describe() const {
  std::string out(ToString(kind));
  auto pair = [&] { return " M=" + std::to_string(monitor) + " U=" + std::to_string(target); };
  switch (kind) {
    case ActionKind::kRegister:
      return out + " " + registration.name + " domid=" + std::to_string(registration.domid) +
             " role=" + std::string(ToString(registration.role));
    case ActionKind::kUnregister:
      return out + " " + uuid;
    case ActionKind::kSetTarget:
    case ActionKind::kXsSetTarget:
      return out + pair();
    case ActionKind::kPublishState:
      out += " M=" + std::to_string(monitor) + " " + protocol::FormatStateValue(binding);
      if (binding.target_domid) {
        out += " U=" + std::to_string(*binding.target_domid);
      }
      return out;
    case ActionKind::kMirrorTraffic:
      return out + " U=" + std::to_string(target) + " to M=" + std::to_string(monitor) + " " +
             mirror_mac + (mirror_vif.empty() ? "" : " (" + mirror_vif + ")");
    case ActionKind::kStopMirror:
    case ActionKind::kRemoveMirrorOrphans:
      return out + " U=" + std::to_string(target);
  }
  return out;
}

int ExitCodeFor(GrantFailurePolicy policy) { return policy == GrantFailurePolicy::kAbort ? 1 : 0; }

namespace {

std::string Who(const DomainFacts& d) { return "domain '" + d.name + "' (" + d.uuid + ")"; }

std::string PartnerWord(PairingRole own_role) {
  return own_role == PairingRole::kMonitor ? "target" : "monitor";
}

// Empty when the partner's own registration names this domain back with the other role.
std::string MutualityFault(const DomainFacts& self, const Registration& claim) {
  const Pairing& p = *self.pairing;
  std::string partner = "'" + claim.name + "' (" + claim.uuid + ")";
  if (claim.role == p.role) {
    return "both this domain and its partner " + partner + " claim role '" +
           std::string(ToString(p.role)) + "'";
  }
  if (claim.partner_uuid != self.uuid) {
    return "its " + PartnerWord(p.role) + " " + partner + " names " + PartnerWord(claim.role) +
           " '" + claim.partner_name + "' (" + claim.partner_uuid +
           "), not this domain (one-sided pairing grants nothing)";
  }
  return "";
}

Action Make(ActionKind kind, DomId monitor = 0, DomId target = 0) {
  Action a;
  a.kind = kind;
  a.monitor = monitor;
  a.target = target;
  return a;
}

Action Publish(DomId monitor, Binding binding,
               std::optional<MonitorSettings> settings = std::nullopt) {
  Action a = Make(ActionKind::kPublishState, monitor);
  a.binding = std::move(binding);
  a.settings = std::move(settings);
  return a;
}

// What Domain M's pairing tells its monitor, in the protocol's form; a pairing without
// <memory> means the schema's defaults, one without <storage> no image.
MonitorSettings MonitorSettingsOf(const Pairing& pairing) {
  MonitorSettings settings;
  if (pairing.memory) {
    settings.memory_interval_ms = pairing.memory->interval_ms;
    settings.memory_regions.clear();
    for (MemoryRegion region : pairing.memory->regions) {
      settings.memory_regions.emplace_back(ToString(region));
    }
  }
  if (pairing.storage) {
    settings.storage_source = pairing.storage->source;
  }
  return settings;
}

Action Register(const DomainFacts& dom, DomId domid, const SelfFacts& self) {
  Action a = Make(ActionKind::kRegister);
  a.registration = Registration{dom.uuid,
                                dom.name,
                                domid,
                                dom.pairing->role,
                                dom.pairing->partner.uuid,
                                dom.pairing->partner.name,
                                self.policy,
                                dom.pairing->network ? dom.pairing->network->mirror_mac : "",
                                std::nullopt};
  if (dom.pairing->role == PairingRole::kMonitor) {
    a.registration.settings = MonitorSettingsOf(*dom.pairing);
  }
  return a;
}

// The copy of DomU's traffic for a bound pair, when Domain M asks for one: M's MAC from its own
// XML when M is this domain, else from M's registration. None (with a warning) when M's XML
// has no NIC with that MAC.
void AddMirror(Decision& d, const std::string& what, const DomainFacts& dom, const HookFacts& facts,
               DomId monitor, DomId target) {
  const bool self_is_monitor = dom.pairing->role == PairingRole::kMonitor;
  Action a = Make(ActionKind::kMirrorTraffic, monitor, target);
  if (self_is_monitor) {
    if (!dom.pairing->network) {
      return;
    }
    a.mirror_mac = dom.pairing->network->mirror_mac;
    if (!facts.self.mirror_nic_in_xml) {
      d.warnings.push_back(what + ": Domain M has no NIC with mirror-mac " + a.mirror_mac +
                           " in its domain XML; DomU's traffic is not mirrored");
      return;
    }
    a.mirror_vif = facts.self.mirror_vif_hint;
  } else {
    if (!facts.partner_claim || facts.partner_claim->mirror_mac.empty()) {
      return;
    }
    a.mirror_mac = facts.partner_claim->mirror_mac;
  }
  d.actions.push_back(a);
}

// A grant that cannot happen: exit by policy; Domain M (when known) is told why.
void FailGrant(Decision& d, int exit_code, const std::string& message,
               std::optional<DomId> monitor = std::nullopt, const std::string& target_uuid = "") {
  if (monitor) {
    d.actions.push_back(
        Publish(*monitor, Binding{BindingState::kError, std::nullopt, target_uuid, message}));
  }
  if (exit_code != 0) {
    d.exit_code = exit_code;
    d.reason = message;
  } else {
    d.warnings.push_back(message + " (continuing: policy on-grant-failure=warn)");
  }
}

// An incoming move that breaks the pairing's <policy order=...>: the member that should follow
// arrives while its partner does not run here yet. Empty when the move may go on.
std::string MoveOrderFault(const DomainFacts& dom, const HookFacts& facts) {
  const Pairing& p = *dom.pairing;
  if (!facts.incoming_move || !p.move_order || facts.partner_claim) {
    return "";
  }
  const bool is_monitor = p.role == PairingRole::kMonitor;
  const bool monitor_first = *p.move_order == MoveOrder::kMonitorFirst;
  if (is_monitor == monitor_first) {
    return "";
  }
  std::string partner = std::string(is_monitor ? "DomU" : "Domain M") + " '" +
                        (p.partner.name.empty() ? p.partner.uuid : p.partner.name) + "'";
  return "the pairing's policy order=" + std::string(ToString(*p.move_order)) + " wants " +
         partner + " moved to this host first; move it, then this domain (`virdomm migrate` " +
         "moves the pair in that order)";
}

Decision DecidePrepare(const DomainFacts& dom, const HookFacts& facts) {
  Decision d;
  std::string fault;
  if (!dom.pairing_error.empty()) {
    fault = "malformed pairing metadata: " + dom.pairing_error;
  } else if (dom.pairing->partner.uuid == dom.uuid) {
    fault = "pairing metadata names the domain itself as its partner";
  } else if (facts.partner_claim) {
    fault = MutualityFault(dom, *facts.partner_claim);
  }
  if (fault.empty() && !facts.mapping_fault.empty()) {
    // Refused before the domain arrives: the pair then stays where it is monitored, in either
    // order of moving its members.
    fault = "this host cannot keep the pair monitored: " + facts.mapping_fault;
  }
  if (!facts.partner_claim_error.empty()) {
    d.warnings.push_back("cannot read the partner's registration: " + facts.partner_claim_error);
  }
  if (fault.empty()) {
    if (std::string order = MoveOrderFault(dom, facts); !order.empty()) {
      // The admin's order holds whatever on-grant-failure says: it is not a grant failure.
      d.exit_code = 1;
      d.reason = Who(dom) + ": " + order + " (refused)";
      return d;
    }
  }
  if (fault.empty()) {
    d.notes.push_back("prepare: pairing metadata of " + Who(dom) + " is well-formed");
    return d;
  }
  std::string message = Who(dom) + ": " + fault;
  if (facts.self.policy == GrantFailurePolicy::kAbort) {
    d.exit_code = 1;
    d.reason = message + " (refused: policy on-grant-failure=abort)";
  } else {
    d.warnings.push_back(message + " (starting anyway: policy on-grant-failure=warn)");
  }
  return d;
}

bool IsHvmContainer(GuestKind kind) { return kind == GuestKind::kHvm || kind == GuestKind::kPvh; }

Decision DecideStartedOrReconnect(const HookEvent& event, const DomainFacts& dom,
                                  const HookFacts& facts) {
  Decision d;
  const bool reconnect = event.Kind() == HookEventKind::kReconnectBegin;
  // reconnect must never fail: libvirt would forget a running domain.
  const int fail = reconnect ? 0 : ExitCodeFor(facts.self.policy);
  d.exit_code_on_failure = fail;
  const std::string what = std::string(ToString(event.Kind())) + ": " + Who(dom);
  if (!dom.pairing_error.empty()) {
    d.warnings.push_back(what + ": malformed pairing metadata, not binding: " + dom.pairing_error);
    return d;
  }
  const Pairing& p = *dom.pairing;
  if (p.partner.uuid == dom.uuid) {
    d.warnings.push_back(what + ": pairing metadata names the domain itself; not binding");
    return d;
  }
  if (!dom.id) {
    FailGrant(d, fail, what + ": the domain XML carries no domain id");
    return d;
  }
  if (!facts.xen_error.empty()) {
    FailGrant(d, fail, what + ": cannot grant Domain M its rights: " + facts.xen_error);
    return d;
  }
  if (!facts.self_xen || facts.self_xen->uuid != dom.uuid || facts.self_xen->dying) {
    FailGrant(d, fail,
              what + ": Xen has no live domain " + std::to_string(*dom.id) + " with this UUID");
    return d;
  }
  const DomId self_id = *dom.id;
  const bool self_is_monitor = p.role == PairingRole::kMonitor;
  d.actions.push_back(Register(dom, self_id, facts.self));

  // The guest kinds Xen 4.17 needs: M maps foreign frames only as PV, U is a set_target
  // target only as HVM/PVH.
  if (self_is_monitor && facts.self_xen->kind != GuestKind::kPv) {
    FailGrant(d, fail,
              what + ": Domain M must be a PV guest (it is " +
                  std::string(ToString(facts.self_xen->kind)) +
                  "; Xen 4.17 lets only PV domains map foreign frames)",
              self_id, p.partner.uuid);
    return d;
  }
  if (!self_is_monitor && !IsHvmContainer(facts.self_xen->kind)) {
    FailGrant(d, fail,
              what + ": DomU must be an HVM or PVH guest (it is " +
                  std::string(ToString(facts.self_xen->kind)) +
                  "; Xen 4.17 sets a target only on HVM/PVH domains)");
    return d;
  }
  const std::string partner =
      PartnerWord(p.role) + " '" + p.partner.name + "' (" + p.partner.uuid + ")";
  if (!facts.partner_xen) {
    // A Domain M that starts alone learns it is unbound. One that binds right away is told
    // "bound" only: on an incoming move M is paused while this runs, and each xenstore
    // transaction adds to its downtime.
    if (self_is_monitor && !facts.monitor_state) {
      d.actions.push_back(
          Publish(self_id, Binding{BindingState::kUnbound, std::nullopt, p.partner.uuid, ""}));
    }
    d.notes.push_back(what + ": " + partner +
                      " does not run on this host; it binds the pair when it starts");
    if (reconnect && !self_is_monitor) {
      // Domain M went while libvirtd was away: copies to its vanished vif may remain.
      d.actions.push_back(Make(ActionKind::kRemoveMirrorOrphans, 0, self_id));
    }
    return d;
  }
  // A registration written by an earlier instance of the partner says nothing about this one.
  const bool claim_is_current =
      facts.partner_claim && facts.partner_claim->domid == facts.partner_xen->domid;
  if (!claim_is_current) {
    std::string why = facts.partner_claim
                          ? "its registration is from domain " +
                                std::to_string(facts.partner_claim->domid) + ", an earlier instance"
                      : facts.partner_claim_error.empty()
                          ? "it never registered (started before the hook was installed?)"
                          : "its registration is unreadable: " + facts.partner_claim_error;
    std::string message = what + ": " + partner + " runs as domain " +
                          std::to_string(facts.partner_xen->domid) + " but " + why +
                          "; not binding (restart it to pair)";
    d.warnings.push_back(message);
    if (self_is_monitor) {
      d.actions.push_back(
          Publish(self_id, Binding{BindingState::kError, std::nullopt, p.partner.uuid, message}));
    }
    return d;
  }
  if (std::string fault = MutualityFault(dom, *facts.partner_claim); !fault.empty()) {
    std::string message = what + ": " + fault + "; not binding";
    d.warnings.push_back(message);
    if (self_is_monitor) {
      d.actions.push_back(
          Publish(self_id, Binding{BindingState::kError, std::nullopt, p.partner.uuid, message}));
    }
    return d;
  }

  const XenDomainInfo& m = self_is_monitor ? *facts.self_xen : *facts.partner_xen;
  const XenDomainInfo& u = self_is_monitor ? *facts.partner_xen : *facts.self_xen;
  if (m.kind != GuestKind::kPv) {
    FailGrant(d, fail,
              what + ": Domain M " + std::to_string(m.domid) + " is " +
                  std::string(ToString(m.kind)) + ", not PV; Xen 4.17 cannot let it map DomU",
              m.domid, u.uuid);
    return d;
  }
  if (!IsHvmContainer(u.kind)) {
    FailGrant(d, fail,
              what + ": DomU " + std::to_string(u.domid) + " is " + std::string(ToString(u.kind)) +
                  "; set_target needs an HVM or PVH DomU",
              m.domid, u.uuid);
    return d;
  }
  if (facts.monitor_state && facts.monitor_state->binding.state == BindingState::kBound &&
      facts.monitor_state->binding.target_domid == u.domid &&
      facts.monitor_state->binding.target_uuid == u.uuid) {
    d.notes.push_back(what + ": pair already bound (M=" + std::to_string(m.domid) +
                      ", U=" + std::to_string(u.domid) + ")");
    // Rebuilt: a NIC hot-plugged into DomU since the binding gets its copy now.
    AddMirror(d, what, dom, facts, m.domid, u.domid);
    return d;
  }
  if (facts.monitor_target && *facts.monitor_target != u.domid) {
    // DomU rebooted, or was restored or moved back while M stayed: Xen keeps M's target at the
    // old domain and cannot change it. Failing here would make libvirt destroy DomU; instead M
    // is told to restart (libvirt's on_reboot makes it a new domain, whose `started` binds).
    d.notes.push_back(what + ": Domain M " + std::to_string(m.domid) + " keeps Xen target " +
                      std::to_string(*facts.monitor_target) + " (Xen sets a target once); DomU " +
                      "now runs as domain " + std::to_string(u.domid) +
                      ": telling Domain M to restart to follow it");
    d.actions.push_back(Publish(m.domid, Binding{BindingState::kRestart, u.domid, u.uuid, ""}));
    return d;
  }
  d.binds = true;
  d.tell_monitor_on_failure = m.domid;
  d.actions.push_back(Make(ActionKind::kSetTarget, m.domid, u.domid));
  d.actions.push_back(Make(ActionKind::kXsSetTarget, m.domid, u.domid));
  // M's settings: from its own pairing when M binds, from its registration when DomU does.
  std::optional<MonitorSettings> settings =
      self_is_monitor ? std::optional<MonitorSettings>(MonitorSettingsOf(*dom.pairing))
                      : facts.partner_claim->settings;
  d.actions.push_back(
      Publish(m.domid, Binding{BindingState::kBound, u.domid, u.uuid, ""}, std::move(settings)));
  AddMirror(d, what, dom, facts, m.domid, u.domid);
  return d;
}

Decision DecideStopped(const HookEvent& event, const DomainFacts& dom, const HookFacts& facts) {
  Decision d;
  const std::string what = std::string(ToString(event.Kind())) + ": " + Who(dom);
  Action unregister = Make(ActionKind::kUnregister);
  unregister.uuid = dom.uuid;
  d.actions.push_back(unregister);
  if (!dom.pairing) {
    return d;
  }
  if (dom.pairing->role == PairingRole::kMonitor) {
    // A stopped Domain M has nobody to tell. Its mirror vif is gone; the copies to it on
    // DomU's vifs go too, so that none stays behind as an orphan.
    if (dom.pairing->network && facts.xen_error.empty() && facts.partner_xen) {
      d.actions.push_back(Make(ActionKind::kStopMirror, 0, facts.partner_xen->domid));
    } else if (dom.pairing->network && !facts.xen_error.empty()) {
      d.warnings.push_back(
          what + ": cannot find DomU to remove the copy of its traffic: " + facts.xen_error);
    }
    return d;
  }
  // A stopped DomU's vifs vanish, and the copies of their traffic with them.
  if (!facts.xen_error.empty()) {
    d.warnings.push_back(what + ": cannot tell Domain M its target is gone: " + facts.xen_error);
    return d;
  }
  if (!facts.partner_xen) {
    d.notes.push_back(what + ": monitor does not run on this host; nobody to tell");
    return d;
  }
  const DomId m = facts.partner_xen->domid;
  if (!facts.monitor_state || facts.monitor_state->binding.state != BindingState::kBound ||
      facts.monitor_state->binding.target_uuid != dom.uuid) {
    d.notes.push_back(what + ": Domain M " + std::to_string(m) +
                      " is not bound to this domain; nothing to tell");
    return d;
  }
  const std::optional<DomId> bound_to = facts.monitor_state->binding.target_domid;
  if (facts.self_xen && bound_to == facts.self_xen->domid) {
    // Another live instance with this UUID (e.g. a local migration's copy) holds the binding.
    d.notes.push_back(what + ": Domain M " + std::to_string(m) + " is bound to live domain " +
                      std::to_string(*bound_to) + "; leaving it");
    return d;
  }
  if (dom.id && bound_to && *bound_to != static_cast<DomId>(*dom.id)) {
    d.notes.push_back(what + ": Domain M " + std::to_string(m) + " is bound to domain " +
                      std::to_string(*bound_to) + ", not " + std::to_string(*dom.id) +
                      "; leaving it");
    return d;
  }
  d.actions.push_back(Publish(m, Binding{BindingState::kUnbound, std::nullopt, dom.uuid, ""}));
  return d;
}

}  // namespace

bool NeedsPartnerClaim(const HookEvent& event, const SelfFacts& self) {
  HookEventKind kind = event.Kind();
  return self.domain && self.domain->pairing &&
         (kind == HookEventKind::kPrepareBegin || kind == HookEventKind::kStartedBegin ||
          kind == HookEventKind::kReconnectBegin);
}

bool NeedsXen(const HookEvent& event, const SelfFacts& self) {
  HookEventKind kind = event.Kind();
  if (!self.domain || !self.domain->pairing) {
    return false;
  }
  if (kind == HookEventKind::kStartedBegin || kind == HookEventKind::kReconnectBegin) {
    return true;
  }
  // A stopped DomU tells its Domain M; a stopped M has nobody to tell, but finds its DomU to
  // remove the copy of DomU's traffic.
  return (kind == HookEventKind::kStoppedEnd || kind == HookEventKind::kReleaseEnd) &&
         (self.domain->pairing->role == PairingRole::kTarget || self.domain->pairing->network);
}

Decision Decide(const HookEvent& event, const HookFacts& facts) {
  Decision d;
  const HookEventKind kind = event.Kind();
  if (kind == HookEventKind::kMigrateBegin) {
    // libxl passes no XML here, and anything printed would replace the domain definition. The
    // executor notes the name: `prepare` then knows the domain arrives by a move.
    d.notes.push_back("migrate begin: an incoming move of '" + event.domain_name + "' noted");
    return d;
  }
  if (kind == HookEventKind::kIgnored) {
    d.notes.push_back(event.Describe() + ": not an event virdomm acts on");
    return d;
  }
  const SelfFacts& self = facts.self;
  if (!self.domain) {
    d.warnings.push_back(std::string(ToString(kind)) + " of '" + event.domain_name +
                         "': cannot read the domain XML (" + self.xml_error + "); nothing done");
    return d;
  }
  const DomainFacts& dom = *self.domain;
  if (!self.HasPairing()) {
    d.notes.push_back(std::string(ToString(kind)) + ": " + Who(dom) + " is not paired");
    return d;
  }
  switch (kind) {
    case HookEventKind::kPrepareBegin:
      return DecidePrepare(dom, facts);
    case HookEventKind::kStartedBegin:
    case HookEventKind::kReconnectBegin:
      return DecideStartedOrReconnect(event, dom, facts);
    case HookEventKind::kStoppedEnd:
    case HookEventKind::kReleaseEnd:
      return DecideStopped(event, dom, facts);
    case HookEventKind::kMigrateBegin:
    case HookEventKind::kIgnored:
      break;
  }
  return d;
}

}  // namespace virdomm
