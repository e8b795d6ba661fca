// The hook's one decision: (event, facts) -> actions, exit code and what to log. Pure: no I/O,
// so every event order of a pair is tested without Xen or libvirt.
#pragma once

#include <string>
#include <vector>

#include "hook_event.h"
#include "hook_facts.h"

namespace virdomm {

enum class ActionKind {
  kRegister,      // write this domain's registration
  kUnregister,    // remove it
  kSetTarget,     // xc_domain_set_target(M, U)
  kXsSetTarget,   // xs_set_target(M, U)
  kPublishState,  // /local/domain/<M>/virdomm/*, generation (+ <M>/target when bound)
  // Best effort, never a reason to fail the event (a failed `started` destroys the domain):
  kMirrorTraffic,        // copy DomU's vifs' traffic to Domain M's mirror vif
  kStopMirror,           // remove that copy from DomU's vifs
  kRemoveMirrorOrphans,  // remove copies on DomU's vifs whose Domain M vif is gone
};
// True for the network actions: their failure is a warning, and the run goes on.
bool IsBestEffort(ActionKind kind);
std::string_view ToString(ActionKind kind);

struct Action {
  ActionKind kind = ActionKind::kRegister;
  DomId monitor = 0;
  DomId target = 0;
  Registration registration;                // kRegister
  std::string uuid;                         // kUnregister
  Binding binding;                          // kPublishState
  std::optional<MonitorSettings> settings;  // kPublishState of a binding: Domain M's settings
  std::string mirror_mac;                   // kMirrorTraffic: Domain M's receive-only NIC
  std::string mirror_vif;  // kMirrorTraffic: its vif per M's domain XML; empty: ask xenstore
  // One line, e.g. "set-target M=7 U=9", "publish M=7 bound U=9", "register web1 domid=9".
  [[nodiscard]] std::string Describe() const;
};

struct Decision {
  std::vector<Action> actions;
  std::vector<std::string> notes;     // logged at info level
  std::vector<std::string> warnings;  // logged as warnings
  // The exit code when every action succeeds, and the one-line reason when it is non-zero.
  int exit_code = 0;
  std::string reason;
  // When an action fails: the exit code (policy: abort -> 1, warn -> 0) and, if set, the
  // Domain M that is told "error: <message>".
  int exit_code_on_failure = 0;
  std::optional<DomId> tell_monitor_on_failure;
  // Bind actions follow: the executor times them (downtime on an incoming migration).
  bool binds = false;
};

// Exit code of a failed grant under a policy.
int ExitCodeFor(GrantFailurePolicy policy);

Decision Decide(const HookEvent& event, const HookFacts& facts);

// Which facts the executor must gather for this event: the partner's registration, and Xen.
bool NeedsPartnerClaim(const HookEvent& event, const SelfFacts& self);
bool NeedsXen(const HookEvent& event, const SelfFacts& self);

}  // namespace virdomm
