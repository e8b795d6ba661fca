// The lines `domm-monitor network watch` prints, one per event: text for a person, or with
// --json one JSON object a line ({"time","monitor":"network","event",...}), like the other
// checkers' watch output.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace virdomm::monitor {

// Fields beyond time, monitor, event and message, in order; values are strings.
using ReportFields = std::vector<std::pair<std::string, std::string>>;

// `event`: "alert", "drops", "suricata-running", "suricata-exited", "suricata-restart",
// "gave-up", "eve-warning", "eve-notice", "stopped". The line ends with a newline.
std::string FormatWatchEvent(bool json, const std::string& time, const std::string& event,
                             const std::string& message, const ReportFields& fields = {});

}  // namespace virdomm::monitor
