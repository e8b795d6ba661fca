// Walks an ext2/3/4 filesystem inside a raw image through libext2fs, read-only and bounded,
// producing file records and the on-disk location of every file's contents.
#pragma once

#include <cstdint>
#include <string>

#include "storage/image_file.h"
#include "storage/progress.h"
#include "storage/rules.h"
#include "storage/scan_types.h"
#include "storage/source_volume.h"

namespace virdomm::monitor {

using ExtVolume = SourceVolume;

// Appends the selected files of `volume` to `result`. Problems with single files (a corrupt
// inode, a loop) become FileRecord::error; an unreadable filesystem throws SourceError. A journal
// that needs recovery is replayed in memory: its blocks go into `image`'s overlay, so the walk and
// the later hashing both see the filesystem as it is after the replay.
void ScanExtVolume(ImageFile& image, const ExtVolume& volume, const RuleSet& rules,
                   const ScanLimits& limits, ScanResult& result, Progress& progress);

}  // namespace virdomm::monitor
