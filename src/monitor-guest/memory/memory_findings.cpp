#include "memory/memory_findings.h"

namespace virdomm::monitor {

std::vector<Finding> FindingsOf(const CheckReport& report) {
  std::vector<Finding> findings;
  findings.reserve(report.changes.size());
  for (const Change& change : report.changes) {
    std::string line = ToString(change.kind) + " at " + change.location;
    if (!change.target.empty()) {
      line += " -> " + change.target;
    } else if (!change.detail.empty()) {
      line += " (" + change.detail + ")";
    }
    findings.push_back(
        {ToString(change.kind) + "|" + change.region + "|" + change.location + "|" + change.target,
         line, ToString(change.GetSeverity())});
  }
  return findings;
}

}  // namespace virdomm::monitor
