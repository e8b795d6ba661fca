// An XFS inode read from disk: the core fields the checker records and its two forks' bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "storage/file_record.h"
#include "storage/xfs_volume.h"

namespace virdomm::monitor {

struct XfsFork {
  std::uint8_t format = 0;  // xfs::kFormatLocal, kFormatExtents, kFormatBtree, kFormatDevice
  std::uint64_t extents = 0;
  std::vector<std::uint8_t> bytes;  // the fork's literal area inside the inode
};

struct XfsInode {
  std::uint64_t number = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t links = 0;
  std::uint64_t size = 0;
  Timestamp mtime;
  Timestamp ctime;
  std::uint32_t device_major = 0;
  std::uint32_t device_minor = 0;
  bool realtime = false;
  XfsFork data;
  bool has_attr_fork = false;
  XfsFork attr;
};

// Reads inode `ino`, checks its magic, version, crc and self-reference (v5) and fork bounds.
// Throws XfsFileError on any damage.
XfsInode ReadXfsInode(const XfsVolume& volume, std::uint64_t ino);

// Decodes an inode from its on-disk bytes (exposed for tests).
XfsInode DecodeXfsInode(const XfsGeometry& geometry, std::uint64_t ino, const std::uint8_t* bytes,
                        size_t size);

}  // namespace virdomm::monitor
