// A Suricata alert as the project's Alert (alert.h): monitor "network", the severity from the
// rule's priority, a summary a person reads and one finding per fact (rule, flow, HTTP, DNS).
#pragma once

#include <string>

#include "alerts/alert.h"
#include "network/eve_record.h"

namespace virdomm::monitor {

// Priority 1 "critical", 2 "warning", 3 and above "info".
std::string SeverityOfPriority(int priority);

// `subject` names what was watched ("DomU's mirrored traffic on eth1").
Alert NetworkAlertOf(const EveAlert& eve, const std::string& subject, const std::string& time);

// "TCP 169.254.0.2:41234 -> 169.254.0.1:80" (ports left out when the record has none).
std::string FlowOf(const EveAlert& eve);

}  // namespace virdomm::monitor
