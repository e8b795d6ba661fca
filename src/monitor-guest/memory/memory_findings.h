// A memory check's changes as alert findings (alerts/monitor_alerts.h): one per change, keyed
// by what stays the same while the change stays (kind, region, location, target).
#pragma once

#include <vector>

#include "alerts/monitor_alerts.h"
#include "memory/memory_checker.h"

namespace virdomm::monitor {

std::vector<Finding> FindingsOf(const CheckReport& report);

}  // namespace virdomm::monitor
