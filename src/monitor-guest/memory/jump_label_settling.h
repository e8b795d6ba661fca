// Holds back jump-label changes until they have lasted a settling period.
//
// The kernel flips static keys itself, and some only for a moment: Linux 6.1's freezer turns
// `freezer_active` on for every suspend and off again once tasks thaw, so every save, restore
// or migration of DomU rewrites the `try_to_freeze()` sites twice. A watch that reported each
// flip would raise a warning around every move of the pair. A flip that is still there after
// the period is reported like any other change; everything else is reported at once.
// The freezer's own flips are held for as long as they last: they mean DomU is suspending (or
// has not yet thawed), and under emulation a DomU can stay suspended, frozen, for longer than
// any sensible period while its last memory is copied to the destination.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "memory/memory_checker.h"

namespace virdomm::monitor {

class JumpLabelSettling {
 public:
  using Clock = std::chrono::steady_clock;

  // A period of zero reports every flip at once.
  explicit JumpLabelSettling(std::chrono::milliseconds period) : period_(period) {}

  // The static key Linux 6.1's freezer turns on for a suspend (kernel/freezer.c).
  static constexpr std::string_view kFreezerKey = "freezer_active";

  // Moves into `report.settling` the freezer's jump-label changes and every other jump-label
  // change younger than the period (first seen in an unbroken run of checks, the latest at
  // `now`).
  void Apply(CheckReport& report, Clock::time_point now);

  // The DomU was suspended and resumed (a new binding): what was pending belongs to the time
  // before, and the freezer's flips of this resume start their own period.
  void Restart() { first_seen_.clear(); }

 private:
  std::chrono::milliseconds period_;
  std::map<std::pair<std::string, uint64_t>, Clock::time_point> first_seen_;  // region, address
};

}  // namespace virdomm::monitor
