// Entries of an XFS directory in any of its forms: shortform (in the inode), block, leaf, node
// and btree-mapped. All but shortform keep their entries in data blocks below 32 GiB of the
// directory's logical space, so those are read through the block map and parsed alike; the
// hash index above is not needed to list a directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/xfs_bmap.h"

namespace virdomm::monitor {

struct XfsDirEntry {
  std::string name;
  std::uint64_t inode = 0;
};

// Lists `dir` without "." and "..". Throws XfsFileError on damage and when the directory has
// more than `max_slots` entry slots (empty ones included).
std::vector<XfsDirEntry> ListXfsDirectory(const XfsVolume& volume, const XfsInode& dir,
                                          std::uint64_t max_slots, XfsStepBudget& budget);

// The entries of one directory data block (exposed for tests and the fuzzer).
void ParseXfsDirBlock(const XfsGeometry& geometry, std::uint64_t owner, const std::uint8_t* block,
                      size_t size, std::uint64_t max_slots, std::uint64_t& slots,
                      std::vector<XfsDirEntry>& out);

}  // namespace virdomm::monitor
