// Walks a directory tree on a mounted filesystem (guest-absolute paths relative to its root),
// the second source of the checker: parity with image mode and with AIDE.
#pragma once

#include <string>

#include "storage/progress.h"
#include "storage/rules.h"
#include "storage/scan_types.h"

namespace virdomm::monitor {

// Appends the selected files under `root` to `result`; does not cross into other mounts.
// `threads` walk directories in parallel. Throws SourceError (ext_source.h) when `root` itself
// cannot be read.
void ScanTree(const std::string& root, const RuleSet& rules, const ScanLimits& limits,
              ScanResult& result, unsigned threads, Progress& progress);

}  // namespace virdomm::monitor
