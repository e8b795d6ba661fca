// Filesystem detection by superblock magic.
#include "storage/source_volume.h"

#include "storage/xfs_volume.h"

namespace virdomm::monitor {

std::string_view ToString(FilesystemKind kind) {
  switch (kind) {
    case FilesystemKind::kExt:
      return "ext";
    case FilesystemKind::kXfs:
      return "xfs";
    case FilesystemKind::kBtrfs:
      return "btrfs";
    case FilesystemKind::kUnknown:
      break;
  }
  return "unknown";
}

FilesystemKind DetectFilesystem(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length) {
  if (HasExtSuperblock(read, offset, length)) return FilesystemKind::kExt;
  if (HasXfsMagic(read, offset, length)) return FilesystemKind::kXfs;
  // Checked last: a btrfs magic at 64 KiB of an ext or XFS volume could be file data DomU wrote
  // there, while mkfs.btrfs clears the places of the others' superblocks.
  if (HasBtrfsSuperblock(read, offset, length)) return FilesystemKind::kBtrfs;
  return FilesystemKind::kUnknown;
}

}  // namespace virdomm::monitor
