// One filesystem of an image that a scan reads: where it lies, where it is mounted in the guest's
// view, what it is called in messages, and which reader understands it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "storage/partition_table.h"
#include "storage/volume_map.h"

namespace virdomm::monitor {

class SourceError : public Error {
 public:
  using Error::Error;
};

// Told apart by superblock magic; a new reader adds one value here and one case in the scan.
enum class FilesystemKind { kUnknown, kExt, kXfs, kBtrfs };
std::string_view ToString(FilesystemKind kind);  // "ext", "xfs", "btrfs"
FilesystemKind DetectFilesystem(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length);

struct SourceVolume {
  std::uint64_t offset = 0;  // bytes into the image
  std::uint64_t length = 0;
  std::string mount_prefix;  // "" for the root filesystem, "/boot" for a /boot partition
  std::string label;         // for messages: "partition 2" or "whole image"
  FilesystemKind kind = FilesystemKind::kExt;
  // Set for a logical volume made of several linear segments; empty means the one contiguous
  // range [offset, offset+length).
  std::vector<VolumePiece> pieces;

  [[nodiscard]] VolumeMap Map() const {
    return pieces.empty() ? VolumeMap::Contiguous(offset, length) : VolumeMap(pieces);
  }
};

}  // namespace virdomm::monitor
