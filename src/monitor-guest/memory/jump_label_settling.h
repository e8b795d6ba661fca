// Holds back jump-label changes until they have lasted a settling period.
//
// The kernel flips static keys itself, and some only for a moment: Linux 6.1's freezer turns
// `freezer_active` on for every suspend and off again once tasks thaw, so every save, restore
// or migration of DomU rewrites the `try_to_freeze()` sites twice. A watch that reported each
// flip would raise a warning around every move of the pair. A flip that is still there after
// the period is reported like any other change; everything else is reported at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "memory/memory_checker.h"

namespace virdomm::monitor {

class JumpLabelSettling {
 public:
  using Clock = std::chrono::steady_clock;

  // A period of zero reports every flip at once.
  explicit JumpLabelSettling(std::chrono::milliseconds period) : period_(period) {}

  // Moves the jump-label changes of `report` younger than the period (first seen in an
  // unbroken run of checks, the latest at `now`) into `report.settling`.
  void Apply(CheckReport& report, Clock::time_point now);

  // The DomU was suspended and resumed (a new binding): what was pending belongs to the time
  // before, and the freezer's flips of this resume start their own period.
  void Restart() { first_seen_.clear(); }

 private:
  std::chrono::milliseconds period_;
  std::map<std::pair<std::string, uint64_t>, Clock::time_point> first_seen_;  // region, address
};

}  // namespace virdomm::monitor
