// One XFS filesystem in an image: its superblock geometry and bounded, crc-checked reads of its
// blocks and inodes. Every address that comes from the disk is checked here before it is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "storage/partition_table.h"
#include "storage/volume_map.h"

namespace virdomm::monitor {

// Damage confined to one file (a bad inode, a block with a wrong crc): becomes FileRecord::error.
class XfsFileError : public Error {
 public:
  using Error::Error;
};

struct XfsGeometry {
  std::uint32_t version = 0;  // 4 or 5 (5 has crcs and self-describing metadata)
  std::uint32_t block_size = 0;
  std::uint64_t data_blocks = 0;
  std::uint32_t ag_blocks = 0;
  std::uint32_t ag_count = 0;
  std::uint8_t ag_block_log = 0;
  std::uint16_t inode_size = 0;
  std::uint8_t inodes_per_block_log = 0;
  std::uint32_t dir_block_size = 0;
  std::uint64_t root_inode = 0;
  std::uint64_t log_start = 0;  // filesystem block; 0 = external log
  std::uint32_t log_blocks = 0;
  std::uint32_t sector_size = 0;
  bool has_ftype = false;  // directory entries carry a file type byte
  bool bigtime = false;
  bool nrext64 = false;
};

// Parses and checks a superblock (magic, version, geometry, crc on v5). Throws Error with the
// reason when it is not a usable XFS superblock.
XfsGeometry ParseXfsSuperblock(const std::uint8_t* bytes, size_t size);

// Whether the bytes at the start of a volume carry the XFS superblock magic.
bool HasXfsMagic(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length);

// crc32c as XFS stores it: over `size` bytes with the 4 bytes at `crc_offset` taken as zero.
bool XfsCrcMatches(const std::uint8_t* bytes, size_t size, size_t crc_offset);

class XfsVolume {
 public:
  // `read` reads the image; `map` says where the volume's bytes are in it. Throws Error when
  // the superblock is unusable or the filesystem is larger than the volume.
  XfsVolume(ReadAtFn read, VolumeMap map);

  [[nodiscard]] const XfsGeometry& Geometry() const { return geometry_; }
  [[nodiscard]] const VolumeMap& Map() const { return map_; }
  [[nodiscard]] bool HasCrc() const { return geometry_.version == 5; }
  // Volume byte of filesystem block `fsb` (AG number in the high bits), checking that
  // [fsb, fsb+count) lies inside one AG and inside the filesystem.
  [[nodiscard]] std::uint64_t BlockToVolumeByte(std::uint64_t fsb, std::uint64_t count) const;
  // Volume byte of inode `ino`; throws XfsFileError for numbers outside the filesystem.
  [[nodiscard]] std::uint64_t InodeToVolumeByte(std::uint64_t ino) const;
  // Reads exactly `size` bytes at volume byte `offset`; throws XfsFileError past the end.
  void ReadVolume(std::uint64_t offset, void* buffer, size_t size) const;
  // Reads `count` filesystem blocks starting at `fsb`.
  [[nodiscard]] std::vector<std::uint8_t> ReadBlocks(std::uint64_t fsb, std::uint64_t count) const;

 private:
  ReadAtFn read_;
  VolumeMap map_;
  XfsGeometry geometry_;
};

}  // namespace virdomm::monitor
