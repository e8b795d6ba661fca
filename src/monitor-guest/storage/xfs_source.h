// Walks an XFS filesystem inside a raw image with the project's own parsers, read-only and
// bounded, producing the same file records and content jobs as the ext reader.
#pragma once

#include "storage/image_file.h"
#include "storage/progress.h"
#include "storage/rules.h"
#include "storage/scan_types.h"
#include "storage/source_volume.h"

namespace virdomm::monitor {

// Appends the selected files of `volume` to `result`. Damage confined to a file becomes
// FileRecord::error; an unusable superblock or a volume that exhausts its step budget throws
// SourceError. A log that is not cleanly unmounted adds a warning: it is not replayed.
void ScanXfsVolume(const ImageFile& image, const SourceVolume& volume, const RuleSet& rules,
                   const ScanLimits& limits, ScanResult& result, Progress& progress);

}  // namespace virdomm::monitor
