// A storage check's differences as alert findings (alerts/monitor_alerts.h), keyed by path,
// kind and the attributes that differ: the same file changing again in the same way is no news.
#pragma once

#include <vector>

#include "alerts/monitor_alerts.h"
#include "storage/compare.h"

namespace virdomm::monitor {

std::vector<Finding> FindingsOf(const Report& report);

}  // namespace virdomm::monitor
