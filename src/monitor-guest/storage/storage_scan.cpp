// Chooses the ext volumes of an image (or the tree), walks them and hashes their contents.
#include "storage/storage_scan.h"

#include <algorithm>

#include "storage/btrfs_source.h"
#include "storage/content_hasher.h"
#include "storage/ext_source.h"
#include "storage/image_file.h"
#include "storage/partition_table.h"
#include "storage/progress.h"
#include "storage/tree_source.h"

namespace virdomm::monitor {
namespace {

// ext first: a btrfs magic at 64 KiB of an ext volume could be file data DomU wrote there,
// while mkfs.btrfs clears the ext superblock's place and btrfs never writes below 1 MiB.
bool IsBtrfs(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length) {
  return !HasExtSuperblock(read, offset, length) && HasBtrfsSuperblock(read, offset, length);
}
bool HasFilesystem(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length) {
  return HasExtSuperblock(read, offset, length) || HasBtrfsSuperblock(read, offset, length);
}

std::vector<ExtVolume> ChooseVolumes(const ImageFile& image, const SourceSpec& spec,
                                     std::string& description, std::vector<std::string>& warnings) {
  ReadAtFn read = image.Reader();
  PartitionTable table;
  try {
    table = ParsePartitionTable(read, image.Size());
  } catch (const PartitionError& error) {
    throw SourceError("partition table of " + image.Name() + ": " + error.what());
  }
  std::string scheme(ToString(table.scheme));
  if (table.scheme == PartitionScheme::kNone) {
    if (!spec.partitions.empty()) {
      throw SourceError(image.Name() + " has no partition table; drop --partition");
    }
    if (!HasFilesystem(read, 0, image.Size())) {
      throw SourceError(image.Name() +
                        " has neither an MBR/GPT partition table nor an ext2/3/4 superblock");
    }
    description = "image " + image.Name();
    if (IsBtrfs(read, 0, image.Size())) description += " (whole image, btrfs)";
    return {ExtVolume{0, image.Size(), "", "whole image"}};
  }
  std::vector<ExtVolume> volumes;
  auto add = [&](const Partition& p, std::string prefix) {
    if (!HasFilesystem(read, p.offset, p.length)) {
      throw SourceError(scheme + " partition " + std::to_string(p.number) + " of " + image.Name() +
                        " holds no ext2/3/4 filesystem");
    }
    volumes.push_back(ExtVolume{p.offset, p.length, std::move(prefix),
                                scheme + " partition " + std::to_string(p.number)});
  };
  if (!spec.partitions.empty()) {
    for (const std::string& item : spec.partitions) {
      size_t colon = item.find(':');
      std::string number_text = item.substr(0, colon);
      std::string prefix = colon == std::string::npos ? "" : item.substr(colon + 1);
      if (prefix == "/") prefix.clear();
      if (!prefix.empty() && (prefix.front() != '/' || prefix.back() == '/')) {
        throw SourceError("--partition " + item + ": the mount point must be like /boot");
      }
      unsigned number = 0;
      try {
        number = static_cast<unsigned>(std::stoul(number_text));
      } catch (const std::exception&) {
        throw SourceError("--partition " + item + ": expected N or N:/mountpoint");
      }
      auto it = std::find_if(table.partitions.begin(), table.partitions.end(),
                             [&](const Partition& p) { return p.number == number; });
      if (it == table.partitions.end()) {
        std::string message = image.Name();
        message.append(" has no ").append(scheme).append(" partition ").append(number_text);
        throw SourceError(message);
      }
      for (const ExtVolume& other : volumes) {
        if (other.mount_prefix == prefix) {
          throw SourceError("--partition " + item + ": two partitions at " +
                            (prefix.empty() ? "/" : prefix) + "; give N:/mountpoint");
        }
      }
      add(*it, prefix);
    }
  } else {
    std::vector<Partition> ext;
    for (const Partition& p : table.partitions) {
      if (HasFilesystem(read, p.offset, p.length)) ext.push_back(p);
    }
    if (ext.empty()) {
      throw SourceError("no partition of " + image.Name() + " (" + scheme +
                        ") holds an ext2/3/4 filesystem");
    }
    for (const Partition& p : ext) {
      add(p, ext.size() == 1 ? "" : "/partition" + std::to_string(p.number));
    }
    if (ext.size() > 1) {
      warnings.push_back(
          "several ext partitions: each is checked under /partitionN; name them "
          "with --partition N:/mountpoint");
    }
  }
  description = "image " + image.Name() + " (";
  for (size_t i = 0; i < volumes.size(); ++i) {
    description += (i ? ", " : "") + volumes[i].label;
    if (IsBtrfs(read, volumes[i].offset, volumes[i].length)) description += ", btrfs";
    if (!volumes[i].mount_prefix.empty()) description += " at " + volumes[i].mount_prefix;
  }
  description += ")";
  return volumes;
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
    for (const ExtVolume& volume : ChooseVolumes(image, spec, output.source, output.warnings)) {
      if (IsBtrfs(image.Reader(), volume.offset, volume.length)) {
        ScanBtrfsVolume(image, volume, rules, options.limits, scan, progress);
      } else {
        ScanExtVolume(image, volume, rules, options.limits, scan, progress);
      }
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
