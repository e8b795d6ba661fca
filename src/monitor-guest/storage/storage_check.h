// The steps of `storage init` and `storage check` as functions, for the CLI and for the
// daemon's storage monitor: load the rules, scan a source into a new baseline, compare.
#pragma once

#include <string>
#include <vector>

#include "storage/baseline_db.h"
#include "storage/compare.h"
#include "storage/rules.h"
#include "storage/storage_scan.h"

namespace virdomm::monitor {

struct StorageRules {
  std::string text;  // what the baseline's rules_sha256 is taken of
  RuleSet rules;
};
// The rules file, or the built-in rules when `path` is empty. Throws RulesError, Error.
StorageRules LoadStorageRules(const std::string& path);

struct StorageScan {
  Baseline baseline;  // the source as it is now, under the rules, created now
  std::vector<std::string> warnings;
  JournalStats journal;
};
// Throws SourceError when the source cannot be read.
StorageScan ScanForBaseline(const SourceSpec& source, const StorageRules& rules,
                            const ScanOptions& options);

// The files whose content or metadata could not be read completely (errors kept in records).
std::size_t UnreadableFiles(const Baseline& baseline);

// `scan` against the trusted `baseline`: the differences, the scan's warnings and the
// warnings that the rules or the source differ from the baseline's.
Report CompareWithBaseline(const Baseline& baseline, const StorageScan& scan);

}  // namespace virdomm::monitor
