#include "storage/storage_findings.h"

#include "storage/file_record.h"

namespace virdomm::monitor {

std::vector<Finding> FindingsOf(const Report& report) {
  std::vector<Finding> findings;
  findings.reserve(report.differences.size());
  for (const Difference& difference : report.differences) {
    std::string attributes;
    for (const AttributeChange& change : difference.changes) {
      attributes += (attributes.empty() ? "" : ", ") + change.attribute;
    }
    std::string path = EscapeForDisplay(difference.path);
    std::string kind(ToString(difference.kind));
    // A file of the baseline that differs is what an integrity checker exists to report.
    std::string key = kind;
    key.append("|").append(path).append("|").append(attributes);
    std::string line = kind;
    line.append(" ").append(path);
    if (!attributes.empty()) {
      line.append(" (").append(attributes).append(")");
    }
    findings.push_back({std::move(key), std::move(line), "critical"});
  }
  return findings;
}

}  // namespace virdomm::monitor
