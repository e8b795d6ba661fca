// One full scan of a source (an image's ext volumes, or a tree): walk, then hash in parallel.
#pragma once

#include <string>
#include <vector>

#include "storage/rules.h"
#include "storage/scan_types.h"

namespace virdomm::monitor {

struct SourceSpec {
  std::string image;                    // raw image or block device, or empty
  std::vector<std::string> partitions;  // "N[:/mnt]" or "VG/LV[:/mnt]"; empty = every filesystem
  std::string root;                     // directory tree, or empty
};

struct ScanOptions {
  unsigned workers = 1;
  bool progress = false;
  ScanLimits limits;
};

struct ScanOutput {
  std::string source;               // "image /srv/web1.img, gpt partition 1" / "tree /mnt/web1"
  std::vector<FileRecord> records;  // sorted by path
  std::vector<std::string> warnings;
  JournalStats journal;  // what the in-memory journal replay applied
};

// Throws SourceError when the source cannot be read at all; per-file trouble is in the records.
ScanOutput ScanSource(const SourceSpec& spec, const RuleSet& rules, const ScanOptions& options);

}  // namespace virdomm::monitor
