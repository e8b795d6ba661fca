// The block map of an XFS inode fork: the inline extent list or the bmap B+tree, flattened into
// sorted, non-overlapping extents; plus reads of a fork's logical bytes through that map.
#pragma once

#include <cstdint>
#include <vector>

#include "common/error.h"
#include "storage/xfs_inode.h"
#include "storage/xfs_volume.h"

namespace virdomm::monitor {

// Thrown when a volume's metadata needs more steps than its size can justify (a cyclic or
// absurd tree): the whole volume is refused rather than the walk running on.
class XfsBudgetError : public Error {
 public:
  using Error::Error;
};

// Metadata steps left for one volume (extent records, btree blocks, directory slots).
class XfsStepBudget {
 public:
  explicit XfsStepBudget(std::uint64_t steps) : left_(steps) {}
  void Charge(std::uint64_t steps) {
    if (steps > left_) {
      throw XfsBudgetError(
          "metadata needs more steps than the filesystem has blocks; the image is corrupt or "
          "hostile");
    }
    left_ -= steps;
  }

 private:
  std::uint64_t left_;
};

struct XfsExtent {
  std::uint64_t logical = 0;  // first file block
  std::uint64_t block = 0;    // first filesystem block (AG number in the high bits)
  std::uint64_t count = 0;    // blocks
  bool unwritten = false;     // preallocated: reads as zeros
};

// The fork's extents sorted by logical block. Throws XfsFileError on damage (bad btree block,
// crc mismatch, overlapping or out-of-range extents).
std::vector<XfsExtent> MapXfsFork(const XfsVolume& volume, const XfsInode& inode,
                                  const XfsFork& fork, XfsStepBudget& budget);

// Decodes one packed 16-byte extent record (exposed for tests).
XfsExtent DecodeXfsExtent(const std::uint8_t* record);

// Reads fork bytes [offset, offset+size) through `extents`; holes and unwritten extents read as
// zeros. Throws XfsFileError when a block lies outside the filesystem.
std::vector<std::uint8_t> ReadXfsForkBytes(const XfsVolume& volume,
                                           const std::vector<XfsExtent>& extents,
                                           std::uint64_t offset, size_t size);

}  // namespace virdomm::monitor
