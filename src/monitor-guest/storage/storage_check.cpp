#include "storage/storage_check.h"

#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/utc_time.h"
#include "core/digest.h"

namespace virdomm::monitor {

StorageRules LoadStorageRules(const std::string& path) {
  std::string text;
  if (path.empty()) {
    text = std::string(DefaultRulesText());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrnoMessage("open " + path, errno));
    std::ostringstream read;
    read << in.rdbuf();
    text = read.str();
  }
  RuleSet rules = RuleSet::Parse(text, path.empty() ? "default rules" : path);
  return {std::move(text), std::move(rules)};
}

StorageScan ScanForBaseline(const SourceSpec& source, const StorageRules& rules,
                            const ScanOptions& options) {
  ScanOutput scan = ScanSource(source, rules.rules, options);
  return {Baseline{scan.source, UtcNow(), Sha256Hex(rules.text), std::move(scan.records)},
          std::move(scan.warnings), scan.journal};
}

std::size_t UnreadableFiles(const Baseline& baseline) {
  std::size_t errors = 0;
  for (const FileRecord& record : baseline.records) errors += record.error.empty() ? 0 : 1;
  return errors;
}

Report CompareWithBaseline(const Baseline& baseline, const StorageScan& scan) {
  Report report = CompareRecords(baseline.records, scan.baseline.records);
  report.source = scan.baseline.source;
  report.baseline_created = baseline.created;
  report.warnings = scan.warnings;
  report.journal = scan.journal;
  if (baseline.rules_sha256 != scan.baseline.rules_sha256) {
    report.warnings.push_back("the rules differ from those the baseline was made with");
  }
  if (baseline.source != scan.baseline.source) {
    report.warnings.push_back("the baseline was made from " + baseline.source);
  }
  return report;
}

}  // namespace virdomm::monitor
