// Volume discovery (partition table, filesystem magic, LVM2 labels) and --partition matching.
#include "storage/volume_choice.h"

#include <algorithm>

#include "storage/lvm_metadata.h"
#include "storage/partition_table.h"

namespace virdomm::monitor {
namespace {

constexpr char kFilesystems[] = "an ext2/3/4, XFS or btrfs filesystem";

// A filesystem the image offers.
struct Candidate {
  SourceVolume volume;
  std::string key;             // what --partition names it by: "2" or "vg0/root"
  std::string default_prefix;  // where it sits when several are checked: "/partition2"
  bool logical = false;        // an LVM logical volume
};

// The label of a volume in messages and the report's source; ext volumes keep the plain label.
std::string VolumeLabel(std::string label, FilesystemKind kind) {
  if (kind != FilesystemKind::kExt) label.append(", ").append(ToString(kind));
  return label;
}

// The logical volumes of the PV in [offset, offset+length) that hold a known filesystem.
void AddLogicalVolumes(const ImageFile& image, std::uint64_t offset, std::uint64_t length,
                       const std::string& container, std::vector<Candidate>& out,
                       std::vector<std::string>& warnings) {
  ReadAtFn read = image.Reader();
  LvmPhysicalVolume pv;
  try {
    pv = ReadLvmPhysicalVolume(read, offset, length);
  } catch (const LvmError& error) {
    warnings.push_back(container + ": LVM2 physical volume not readable: " + error.what());
    return;
  }
  for (const std::string& warning : pv.warnings) {
    std::string line = container;
    line.append(": ").append(warning);
    warnings.push_back(std::move(line));
  }
  for (LvmLogicalVolume& lv : pv.volumes) {
    std::string key = lv.vg + "/" + lv.name;
    const VolumePiece& first = lv.pieces.front();
    FilesystemKind kind = DetectFilesystem(read, first.image_offset, first.length);
    if (kind == FilesystemKind::kUnknown) {
      warnings.push_back("LV " + key + " holds no ext2/3/4, XFS or btrfs filesystem; skipped");
      continue;
    }
    Candidate candidate;
    candidate.volume.offset = first.image_offset;
    candidate.volume.length = 0;
    for (const VolumePiece& piece : lv.pieces) candidate.volume.length += piece.length;
    if (lv.pieces.size() > 1) candidate.volume.pieces = std::move(lv.pieces);
    candidate.volume.label = VolumeLabel("LV " + key, kind);
    candidate.volume.kind = kind;
    candidate.key = key;
    candidate.default_prefix = "/lv/" + key;
    candidate.logical = true;
    out.push_back(std::move(candidate));
  }
}

void AddContainer(const ImageFile& image, std::uint64_t offset, std::uint64_t length,
                  const std::string& label, const std::string& key, const std::string& prefix,
                  std::vector<Candidate>& out, std::vector<std::string>& warnings) {
  ReadAtFn read = image.Reader();
  FilesystemKind kind = DetectFilesystem(read, offset, length);
  if (kind != FilesystemKind::kUnknown) {
    Candidate candidate;
    candidate.volume = SourceVolume{offset, length, "", VolumeLabel(label, kind), kind, {}};
    candidate.key = key;
    candidate.default_prefix = prefix;
    out.push_back(std::move(candidate));
  } else if (HasLvmLabel(read, offset, length)) {
    AddLogicalVolumes(image, offset, length, label, out, warnings);
  }
}

std::vector<Candidate> FindCandidates(const ImageFile& image, const PartitionTable& table,
                                      std::vector<std::string>& warnings) {
  std::vector<Candidate> out;
  if (table.scheme == PartitionScheme::kNone) {
    AddContainer(image, 0, image.Size(), "whole image", "", "", out, warnings);
    return out;
  }
  std::string scheme(ToString(table.scheme));
  for (const Partition& p : table.partitions) {
    std::string number = std::to_string(p.number);
    std::string label = scheme;
    label.append(" partition ").append(number);
    AddContainer(image, p.offset, p.length, label, number, "/partition" + number, out, warnings);
  }
  return out;
}

SourceVolume Pick(const ImageFile& image, const PartitionTable& table,
                  const std::vector<Candidate>& candidates, const std::string& item) {
  std::string scheme(ToString(table.scheme));
  size_t colon = item.find(':');
  std::string key = item.substr(0, colon);
  std::string prefix = colon == std::string::npos ? "" : item.substr(colon + 1);
  if (prefix == "/") prefix.clear();
  if (!prefix.empty() && (prefix.front() != '/' || prefix.back() == '/')) {
    throw SourceError("--partition " + item + ": the mount point must be like /boot");
  }
  bool logical = key.find('/') != std::string::npos;
  if (logical) {
    auto it = std::find_if(candidates.begin(), candidates.end(),
                           [&](const Candidate& c) { return c.logical && c.key == key; });
    if (it == candidates.end()) {
      throw SourceError(image.Name() + " has no logical volume " + key + " with " + kFilesystems);
    }
    SourceVolume volume = it->volume;
    volume.mount_prefix = prefix;
    return volume;
  }
  if (table.scheme == PartitionScheme::kNone) {
    throw SourceError(image.Name() + " has no partition table; drop --partition");
  }
  if (key.empty() || key.size() > 9 || key.find_first_not_of("0123456789") != std::string::npos) {
    throw SourceError("--partition " + item +
                      ": expected N, N:/mountpoint, VG/LV or VG/LV:/mountpoint");
  }
  std::string number = std::to_string(std::stoul(key));
  bool exists = std::any_of(table.partitions.begin(), table.partitions.end(),
                            [&](const Partition& p) { return std::to_string(p.number) == number; });
  if (!exists) {
    std::string message = image.Name();
    message.append(" has no ").append(scheme).append(" partition ").append(key);
    throw SourceError(message);
  }
  auto it = std::find_if(candidates.begin(), candidates.end(),
                         [&](const Candidate& c) { return !c.logical && c.key == number; });
  if (it == candidates.end()) {
    throw SourceError(scheme + " partition " + number + " of " + image.Name() + " holds no " +
                      "ext2/3/4, XFS or btrfs filesystem");
  }
  SourceVolume volume = it->volume;
  volume.mount_prefix = prefix;
  return volume;
}

}  // namespace

std::vector<SourceVolume> ChooseVolumes(const ImageFile& image,
                                        const std::vector<std::string>& choices,
                                        std::string& description,
                                        std::vector<std::string>& warnings) {
  PartitionTable table;
  try {
    table = ParsePartitionTable(image.Reader(), image.Size());
  } catch (const PartitionError& error) {
    throw SourceError("partition table of " + image.Name() + ": " + error.what());
  }
  std::string scheme(ToString(table.scheme));
  std::vector<Candidate> candidates = FindCandidates(image, table, warnings);
  if (candidates.size() == 1 && !candidates[0].logical && table.scheme == PartitionScheme::kNone) {
    // A bare filesystem image: named by the image alone, as before partitions existed.
    if (!choices.empty()) {
      throw SourceError(image.Name() + " has no partition table; drop --partition");
    }
    description = "image " + image.Name();
    SourceVolume volume = candidates[0].volume;
    if (volume.kind != FilesystemKind::kExt) {
      description.append(" (").append(ToString(volume.kind)).append(")");
    }
    volume.label = "whole image";
    return {volume};
  }
  std::vector<SourceVolume> volumes;
  if (!choices.empty()) {
    for (const std::string& item : choices) {
      SourceVolume volume = Pick(image, table, candidates, item);
      for (const SourceVolume& other : volumes) {
        if (other.mount_prefix == volume.mount_prefix) {
          throw SourceError("--partition " + item + ": two volumes at " +
                            (volume.mount_prefix.empty() ? "/" : volume.mount_prefix) +
                            "; give N:/mountpoint or VG/LV:/mountpoint");
        }
      }
      volumes.push_back(std::move(volume));
    }
  } else {
    if (candidates.empty()) {
      // Say why logical volumes were skipped: that is what the user has to act on.
      std::string why;
      for (const std::string& warning : warnings) why += "; " + warning;
      if (table.scheme == PartitionScheme::kNone) {
        throw SourceError(image.Name() + " has neither an MBR/GPT partition table nor " +
                          kFilesystems + why);
      }
      throw SourceError("no partition of " + image.Name() + " (" + scheme + ") holds " +
                        kFilesystems + why);
    }
    bool any_logical = std::any_of(candidates.begin(), candidates.end(),
                                   [](const Candidate& c) { return c.logical; });
    for (Candidate& c : candidates) {
      if (candidates.size() > 1) c.volume.mount_prefix = c.default_prefix;
      volumes.push_back(std::move(c.volume));
    }
    if (volumes.size() > 1) {
      warnings.push_back(any_logical
                             ? "several filesystems: partitions are checked under /partitionN and "
                               "logical volumes under /lv/VG/LV; name them with --partition "
                               "N:/mountpoint or VG/LV:/mountpoint"
                             : "several ext partitions: each is checked under /partitionN; name "
                               "them with --partition N:/mountpoint");
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

}  // namespace virdomm::monitor
