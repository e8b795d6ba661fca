// The binding dom0 publishes for a Domain M and the forms of its `state` key
// (libvirt-hooks/PROTOCOL.md): "bound", "unbound", "restart" or "error: <message>".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/protocol/xenstore_keys.h"

namespace virdomm::protocol {

// kRestart: DomU runs as a new domain (a reboot, a restore of DomU alone) that Xen cannot make
// Domain M's target, since Xen sets a domain's target once; Domain M restarts to follow it.
enum class BindingState { kBound, kUnbound, kRestart, kError };

// "bound", "unbound", "restart", "error": the state's name without an error's message.
std::string_view ToString(BindingState state);

// The binding keys' contents (generation aside, which counts publishes of them).
struct Binding {
  BindingState state = BindingState::kUnbound;
  std::optional<DomId> target_domid;  // bound: the target; restart: the DomU to follow; else none
  std::string target_uuid;
  std::string error;  // only for kError: the one-line reason the hook logs
  bool operator==(const Binding&) const = default;
};

// The value of the `state` key for `binding` (its state and, for kError, its message).
std::string FormatStateValue(const Binding& binding);
// A `state` value back as a Binding with only `state` and `error` set; nullopt when the value
// is none of the four forms.
std::optional<Binding> ParseStateValue(std::string_view value);

}  // namespace virdomm::protocol
