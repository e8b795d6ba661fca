// The time stamps virdomm writes (baselines, alerts, reports): UTC, ISO 8601, to the second.
#pragma once

#include <string>

namespace virdomm {

// Now as "2026-12-03T14:02:11Z".
std::string UtcNow();

}  // namespace virdomm
