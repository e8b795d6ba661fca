// Walks the default subvolume of a single-device btrfs filesystem inside a raw image (and the
// subvolumes below it), read-only and bounded, producing file records and content jobs.
#pragma once

#include "storage/ext_source.h"
#include "storage/image_file.h"
#include "storage/progress.h"
#include "storage/rules.h"
#include "storage/scan_types.h"

namespace virdomm::monitor {

// Same contract as ScanExtVolume: per-file problems become FileRecord::error, an unreadable
// filesystem throws SourceError. A log tree (fsync'ed changes not yet committed) is not
// replayed; it is reported as a warning.
void ScanBtrfsVolume(ImageFile& image, const ExtVolume& volume, const RuleSet& rules,
                     const ScanLimits& limits, ScanResult& result, Progress& progress);

}  // namespace virdomm::monitor
