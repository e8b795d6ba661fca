// Runs one hook event: gathers the facts (XML, registrations, Xen), takes the decision, carries
// out its actions through XenHost and the registry, and says how the process should exit.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "hook_decision.h"
#include "hook_event.h"
#include "hook_log.h"
#include "network/traffic_mirror.h"
#include "xen/xen_host.h"

namespace virdomm {

inline constexpr const char* kDefaultRunDir = "/run/virdomm";

struct HookContext {
  std::string run_dir = kDefaultRunDir;
  // Opens Xen on first use (only events of paired domains need it); throws Error when Xen
  // cannot be reached.
  std::function<XenHost&()> xen;
  // Opens the traffic mirror on first use (only pairs with <network mirror-mac> need it);
  // throws Error when it cannot.
  std::function<TrafficMirror&()> network;
  HookLog* log = nullptr;
  // Why Domain M could not map its target on this host (empty: it can). Asked at `prepare` of
  // a paired domain; unset means "not checked".
  std::function<std::string(const DomainFacts&)> mapping_fault;
  std::chrono::milliseconds lock_timeout{10'000};
};

struct HookOutcome {
  int exit_code = 0;
  std::string reason;  // the one line for stderr when exit_code != 0
  Decision decision;
  std::vector<std::string> executed;  // Describe() of every action that succeeded
  std::chrono::microseconds duration{0};
};

HookOutcome RunHook(const HookEvent& event, HookContext& context);

}  // namespace virdomm
