// Fact gathering under the host lock, then the decision's actions in order; the first failing
// action ends the run with the decision's failure exit code and tells Domain M.
#include "hook_executor.h"

#include <cstdio>
#include <optional>

#include "common/error.h"
#include "host_lock.h"
#include "incoming_moves.h"
#include "pair_registry.h"

namespace virdomm {

namespace {

// A duration in milliseconds with `decimals` places, as the log lines print it.
std::string Milliseconds(std::chrono::duration<double, std::milli> duration, int decimals) {
  char text[32];
  (void)std::snprintf(text, sizeof(text), "%.*f", decimals, duration.count());
  return text;
}

// Where a run's time went, phase by phase, for the `started` log line (downtime on a move).
class PhaseTimes {
 public:
  using Clock = std::chrono::steady_clock;
  explicit PhaseTimes(Clock::time_point start) : last_(start) {}
  void End(const std::string& phase) {
    Clock::time_point now = Clock::now();
    text_ += (text_.empty() ? "" : ", ") + phase + " " + Milliseconds(now - last_, 1);
    last_ = now;
  }
  [[nodiscard]] const std::string& Text() const { return text_; }

 private:
  Clock::time_point last_;
  std::string text_;
};

void GatherXenFacts(const HookEvent& event, XenHost& xen, HookFacts& facts) {
  const DomainFacts& dom = *facts.self.domain;
  const Pairing& pairing = *dom.pairing;
  const HookEventKind kind = event.Kind();
  facts.xen_consulted = true;
  if (kind == HookEventKind::kStartedBegin || kind == HookEventKind::kReconnectBegin) {
    if (dom.id) {
      facts.self_xen = xen.FindDomainById(static_cast<DomId>(*dom.id));
    }
  } else {
    // Stopped: this instance is gone; is another live one with the same UUID here?
    facts.self_xen = xen.FindDomainByUuid(dom.uuid);
  }
  facts.partner_xen = xen.FindDomainByUuid(pairing.partner.uuid);
  std::optional<DomId> monitor;
  if (pairing.role == PairingRole::kMonitor) {
    if (facts.self_xen &&
        (kind == HookEventKind::kStartedBegin || kind == HookEventKind::kReconnectBegin)) {
      monitor = facts.self_xen->domid;
    }
  } else if (facts.partner_xen) {
    monitor = facts.partner_xen->domid;
  }
  if (monitor) {
    facts.monitor_state = xen.ReadBinding(*monitor);
    facts.monitor_target = xen.ReadTargetKey(*monitor);
  }
}

void ReadPartnerClaim(const PairRegistry& registry, HookFacts& facts) {
  try {
    facts.partner_claim = registry.Find(facts.self.domain->pairing->partner.uuid);
  } catch (const Error& e) {
    facts.partner_claim_error = e.what();
  }
}

TrafficMirror& Network(HookContext& context) {
  if (!context.network) {
    throw Error("no traffic mirror on this host");
  }
  return context.network();
}

// Returns the line to log for the network actions, empty for the others.
std::string Execute(const Action& action, HookContext& context, const PairRegistry& registry) {
  switch (action.kind) {
    case ActionKind::kRegister:
      registry.Register(action.registration);
      return "";
    case ActionKind::kUnregister:
      registry.Unregister(action.uuid);
      return "";
    case ActionKind::kSetTarget:
      context.xen().SetTarget(action.monitor, action.target);
      return "";
    case ActionKind::kXsSetTarget:
      context.xen().XsSetTarget(action.monitor, action.target);
      return "";
    case ActionKind::kPublishState:
      (void)context.xen().PublishBinding(action.monitor, action.binding, action.settings);
      return "";
    case ActionKind::kMirrorTraffic:
      return Network(context).Start(
          MirrorRequest{action.monitor, action.target, action.mirror_mac, action.mirror_vif});
    case ActionKind::kStopMirror:
      return Network(context).Stop(action.target);
    case ActionKind::kRemoveMirrorOrphans:
      return Network(context).RemoveOrphans(action.target);
  }
  return "";
}

}  // namespace

HookOutcome RunHook(const HookEvent& event, HookContext& context) {
  const auto start = std::chrono::steady_clock::now();
  PhaseTimes phases(start);
  HookLog& log = *context.log;
  HookOutcome outcome;
  HookFacts facts;
  PairRegistry registry(context.run_dir);
  std::optional<HostLock> lock;

  if (event.Kind() != HookEventKind::kMigrateBegin && event.Kind() != HookEventKind::kIgnored) {
    facts.self = ReadSelfFacts(event);
  }
  if (NeedsXen(event, facts.self)) {
    try {
      XenHost& xen = context.xen();
      phases.End("open Xen");
      // The lock covers reading the partner's registration, writing ours and binding: of two
      // members starting at once exactly one sees the other and binds.
      lock.emplace(context.run_dir, context.lock_timeout);
      phases.End("lock");
      if (NeedsPartnerClaim(event, facts.self)) {
        ReadPartnerClaim(registry, facts);
      }
      GatherXenFacts(event, xen, facts);
      phases.End("facts");
    } catch (const Error& e) {
      facts.xen_error = e.what();
    }
  } else if (NeedsPartnerClaim(event, facts.self)) {
    ReadPartnerClaim(registry, facts);
  }

  if (event.Kind() == HookEventKind::kMigrateBegin) {
    try {
      IncomingMoves(context.run_dir).Mark(event.domain_name);
    } catch (const Error& e) {
      // The move goes on; only a <policy order> of the pair cannot be enforced for it.
      log.Write(LogLevel::kWarning, event.Describe() + ": " + e.what());
    }
  }
  if (event.Kind() == HookEventKind::kPrepareBegin) {
    facts.incoming_move = IncomingMoves(context.run_dir).Take(event.domain_name);
  }
  if (event.Kind() == HookEventKind::kPrepareBegin && context.mapping_fault &&
      facts.self.HasPairing()) {
    facts.mapping_fault = context.mapping_fault(*facts.self.domain);
  }
  outcome.decision = Decide(event, facts);
  const Decision& decision = outcome.decision;
  for (const std::string& note : decision.notes) {
    log.Write(LogLevel::kInfo, note);
  }
  for (const std::string& warning : decision.warnings) {
    log.Write(LogLevel::kWarning, warning);
  }
  outcome.exit_code = decision.exit_code;
  outcome.reason = decision.reason;

  bool mirror_loaded = false;
  for (const Action& action : decision.actions) {
    try {
      if (IsBestEffort(action.kind) && !mirror_loaded) {
        // Loading the plugin (libnl) is timed apart from its netlink work: both are downtime.
        (void)Network(context);
        mirror_loaded = true;
        phases.End("load mirror");
      }
      std::string line = Execute(action, context, registry);
      phases.End(std::string(ToString(action.kind)));
      outcome.executed.push_back(action.Describe());
      if (!line.empty()) {
        log.Write(LogLevel::kInfo, std::string(ToString(event.Kind())) + ": " + line);
      }
    } catch (const Error& e) {
      if (IsBestEffort(action.kind)) {
        // The copy of DomU's traffic never fails the event: the pair stays bound, and DomU's
        // traffic flows as before, only without a copy.
        phases.End(std::string(ToString(action.kind)));
        log.Write(LogLevel::kWarning, std::string(ToString(event.Kind())) + ": " +
                                          action.Describe() + " failed: " + e.what() +
                                          " (continuing without the copy)");
        continue;
      }
      std::string who = facts.self.domain
                            ? "'" + facts.self.domain->name + "' (" + facts.self.domain->uuid + ")"
                            : "'" + event.domain_name + "'";
      std::string message = std::string(ToString(event.Kind())) + ": " + who + ": " +
                            action.Describe() + " failed: " + e.what();
      if (decision.tell_monitor_on_failure) {
        try {
          (void)context.xen().PublishBinding(
              *decision.tell_monitor_on_failure,
              Binding{BindingState::kError, std::nullopt, "", message}, std::nullopt);
        } catch (const Error& tell) {
          log.Write(LogLevel::kWarning, "could not tell Domain M: " + std::string(tell.what()));
        }
      }
      if (decision.exit_code_on_failure != 0) {
        outcome.exit_code = decision.exit_code_on_failure;
        outcome.reason = message;
      } else if (decision.exit_code == 0) {
        message += " (continuing)";
      }
      log.Write(outcome.exit_code != 0 ? LogLevel::kError : LogLevel::kWarning, message);
      break;
    }
  }
  if (outcome.exit_code != 0 && outcome.reason.empty()) {
    outcome.reason = "failed";
  }
  if (outcome.exit_code != 0) {
    log.Write(LogLevel::kError, outcome.reason);
  }
  outcome.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  if (event.Kind() == HookEventKind::kStartedBegin && facts.self.HasPairing()) {
    // On an incoming migration the domain is paused while this runs: it is downtime.
    const std::string ms = Milliseconds(outcome.duration, 3);
    log.Write(LogLevel::kInfo,
              "started begin of " + facts.self.domain->name + " (" + facts.self.domain->uuid +
                  ") took " + ms + " ms" + (decision.binds ? " including binding the pair" : "") +
                  ", exit " + std::to_string(outcome.exit_code) + " (" + phases.Text() + ")");
  }
  return outcome;
}

}  // namespace virdomm
