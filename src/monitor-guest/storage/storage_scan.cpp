// Chooses the filesystem volumes of an image (or the tree), walks them and hashes their contents.
#include "storage/storage_scan.h"

#include <algorithm>
#include <string>

#include "storage/btrfs_source.h"
#include "storage/content_hasher.h"
#include "storage/ext_source.h"
#include "storage/image_file.h"
#include "storage/progress.h"
#include "storage/tree_source.h"
#include "storage/volume_choice.h"
#include "storage/xfs_source.h"

namespace virdomm::monitor {
namespace {

// The one place that knows which reader handles which filesystem kind.
void ScanVolume(ImageFile& image, const SourceVolume& volume, const RuleSet& rules,
                const ScanLimits& limits, ScanResult& result, Progress& progress) {
  switch (volume.kind) {
    case FilesystemKind::kExt:
      ScanExtVolume(image, volume, rules, limits, result, progress);
      return;
    case FilesystemKind::kXfs:
      ScanXfsVolume(image, volume, rules, limits, result, progress);
      return;
    case FilesystemKind::kBtrfs:
      // The btrfs reader maps its chunks onto one contiguous range of the image.
      if (!volume.pieces.empty()) {
        throw SourceError(volume.label + " of " + image.Name() +
                          ": btrfs on a logical volume of several segments is not supported");
      }
      ScanBtrfsVolume(image, volume, rules, limits, result, progress);
      return;
    case FilesystemKind::kUnknown:
      break;
  }
  throw SourceError(volume.label + " of " + image.Name() + " holds " + "no known filesystem");
}

}  // namespace

ScanOutput ScanSource(const SourceSpec& spec, const RuleSet& rules, const ScanOptions& options) {
  ScanOutput output;
  ScanResult scan;
  Progress progress(options.progress);
  progress.SetPhase("reading metadata", 0, 0);
  if (!spec.image.empty()) {
    ImageFile image = [&] {
      try {
        return ImageFile::Open(spec.image);
      } catch (const Error& error) {
        throw SourceError(error.what());
      }
    }();
    for (const SourceVolume& volume :
         ChooseVolumes(image, spec.partitions, output.source, output.warnings)) {
      ScanVolume(image, volume, rules, options.limits, scan, progress);
    }
    HashContents(&image, scan, options.workers, progress);
  } else {
    output.source = "tree " + spec.root;
    // Metadata reads are latency-bound on a cold cache: keep a few more in flight than cores.
    ScanTree(spec.root, rules, options.limits, scan, std::max(4U, 2 * options.workers), progress);
    HashContents(nullptr, scan, options.workers, progress);
  }
  progress.Finish();
  // Sort indices, then move each record once: FileRecords are large to swap around.
  std::vector<size_t> order(scan.records.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return scan.records[a].path < scan.records[b].path; });
  std::vector<FileRecord> sorted;
  sorted.reserve(order.size());
  for (size_t index : order) sorted.push_back(std::move(scan.records[index]));
  scan.records = std::move(sorted);
  // Two volumes mounted over each other could yield one path twice: keep the first.
  auto last =
      std::unique(scan.records.begin(), scan.records.end(),
                  [](const FileRecord& a, const FileRecord& b) { return a.path == b.path; });
  if (last != scan.records.end()) {
    output.warnings.push_back("duplicate paths across volumes; kept the first of each");
    scan.records.erase(last, scan.records.end());
  }
  output.records = std::move(scan.records);
  for (std::string& warning : scan.warnings) output.warnings.push_back(std::move(warning));
  output.journal = scan.journal;
  return output;
}

}  // namespace virdomm::monitor
