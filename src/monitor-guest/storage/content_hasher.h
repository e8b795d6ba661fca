// Hashes file contents in parallel: image files in on-disk order with large preads (several
// small files per read), tree files by path.
#pragma once

#include "storage/image_file.h"
#include "storage/progress.h"
#include "storage/scan_types.h"

namespace virdomm::monitor {

// Computes the digests of every job into its records. `image` is null for tree scans. Errors
// reading one file go into that file's FileRecord::error.
void HashContents(const ImageFile* image, ScanResult& scan, unsigned workers, Progress& progress);

}  // namespace virdomm::monitor
