// Chooses the filesystem volumes of an image (or the tree), walks them and hashes their contents.
#include "storage/storage_scan.h"

#include <algorithm>

#include "storage/content_hasher.h"
#include "storage/ext_source.h"
#include "storage/image_file.h"
#include "storage/partition_table.h"
#include "storage/progress.h"
#include "storage/tree_source.h"
#include "storage/xfs_source.h"

namespace virdomm::monitor {
namespace {

constexpr char kFilesystems[] = "an ext2/3/4 or XFS filesystem";

// A volume the image offers: a partition or the whole image holding a filesystem.
struct Candidate {
  SourceVolume volume;
  std::string key;             // what --partition names it by: "2"
  std::string default_prefix;  // where it sits when several are checked: "/partition2"
};

// The label of a volume in messages and the report's source; ext volumes keep the plain label.
std::string VolumeLabel(std::string label, FilesystemKind kind) {
  if (kind != FilesystemKind::kExt) label.append(", ").append(ToString(kind));
  return label;
}

std::vector<Candidate> FindCandidates(const ImageFile& image, const PartitionTable& table) {
  ReadAtFn read = image.Reader();
  std::string scheme(ToString(table.scheme));
  std::vector<Candidate> candidates;
  if (table.scheme == PartitionScheme::kNone) {
    FilesystemKind kind = DetectFilesystem(read, 0, image.Size());
    if (kind != FilesystemKind::kUnknown) {
      candidates.push_back({{0, image.Size(), "", VolumeLabel("whole image", kind), kind}, "", ""});
    }
    return candidates;
  }
  for (const Partition& p : table.partitions) {
    FilesystemKind kind = DetectFilesystem(read, p.offset, p.length);
    std::string number = std::to_string(p.number);
    if (kind == FilesystemKind::kUnknown) continue;
    candidates.push_back(
        {{p.offset, p.length, "", VolumeLabel(scheme + " partition " + number, kind), kind},
         number,
         "/partition" + number});
  }
  return candidates;
}

std::vector<SourceVolume> ChooseVolumes(const ImageFile& image, const SourceSpec& spec,
                                        std::string& description,
                                        std::vector<std::string>& warnings) {
  ReadAtFn read = image.Reader();
  PartitionTable table;
  try {
    table = ParsePartitionTable(read, image.Size());
  } catch (const PartitionError& error) {
    throw SourceError("partition table of " + image.Name() + ": " + error.what());
  }
  std::string scheme(ToString(table.scheme));
  std::vector<Candidate> candidates = FindCandidates(image, table);
  if (table.scheme == PartitionScheme::kNone) {
    if (!spec.partitions.empty()) {
      throw SourceError(image.Name() + " has no partition table; drop --partition");
    }
    if (candidates.empty()) {
      throw SourceError(image.Name() + " has neither an MBR/GPT partition table nor " +
                        kFilesystems);
    }
    description = "image " + image.Name();
    if (candidates[0].volume.kind != FilesystemKind::kExt) {
      description.append(" (").append(ToString(candidates[0].volume.kind)).append(")");
    }
    candidates[0].volume.label = "whole image";
    return {candidates[0].volume};
  }
  std::vector<SourceVolume> volumes;
  if (!spec.partitions.empty()) {
    for (const std::string& item : spec.partitions) {
      size_t colon = item.find(':');
      std::string key = item.substr(0, colon);
      std::string prefix = colon == std::string::npos ? "" : item.substr(colon + 1);
      if (prefix == "/") prefix.clear();
      if (!prefix.empty() && (prefix.front() != '/' || prefix.back() == '/')) {
        throw SourceError("--partition " + item + ": the mount point must be like /boot");
      }
      if (key.empty() || key.size() > 9 ||
          key.find_first_not_of("0123456789") != std::string::npos) {
        throw SourceError("--partition " + item + ": expected N or N:/mountpoint");
      }
      key = std::to_string(std::stoul(key));
      auto partition =
          std::find_if(table.partitions.begin(), table.partitions.end(),
                       [&](const Partition& p) { return std::to_string(p.number) == key; });
      if (partition == table.partitions.end()) {
        std::string message = image.Name();
        message.append(" has no ")
            .append(scheme)
            .append(" partition ")
            .append(item.substr(0, colon));
        throw SourceError(message);
      }
      auto it = std::find_if(candidates.begin(), candidates.end(),
                             [&](const Candidate& c) { return c.key == key; });
      if (it == candidates.end()) {
        throw SourceError(scheme + " partition " + key + " of " + image.Name() + " holds no " +
                          "ext2/3/4 or XFS filesystem");
      }
      for (const SourceVolume& other : volumes) {
        if (other.mount_prefix == prefix) {
          throw SourceError("--partition " + item + ": two partitions at " +
                            (prefix.empty() ? "/" : prefix) + "; give N:/mountpoint");
        }
      }
      SourceVolume volume = it->volume;
      volume.mount_prefix = prefix;
      volumes.push_back(std::move(volume));
    }
  } else {
    if (candidates.empty()) {
      throw SourceError("no partition of " + image.Name() + " (" + scheme + ") holds " +
                        kFilesystems);
    }
    for (Candidate& c : candidates) {
      if (candidates.size() > 1) c.volume.mount_prefix = c.default_prefix;
      volumes.push_back(std::move(c.volume));
    }
    if (volumes.size() > 1) {
      warnings.push_back(
          "several ext partitions: each is checked under /partitionN; name them "
          "with --partition N:/mountpoint");
    }
  }
  description = "image " + image.Name() + " (";
  for (size_t i = 0; i < volumes.size(); ++i) {
    description += (i ? ", " : "") + volumes[i].label;
    if (!volumes[i].mount_prefix.empty()) description += " at " + volumes[i].mount_prefix;
  }
  description += ")";
  return volumes;
}

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
    for (const SourceVolume& volume : ChooseVolumes(image, spec, output.source, output.warnings)) {
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
