// XFS extent records and bmap B+tree traversal (depth-first from the root in the inode fork,
// every block's magic, level, record count, crc and owner checked before it is trusted).
#include "storage/xfs_bmap.h"

#include <algorithm>
#include <cstring>

#include "storage/big_endian.h"
#include "storage/xfs_format.h"

namespace virdomm::monitor {
namespace {

constexpr unsigned kMaxBtreeLevels = 10;  // XFS itself never builds more than about 9

void AppendRecords(const std::uint8_t* records, size_t count, std::vector<XfsExtent>& out) {
  for (size_t i = 0; i < count; ++i) {
    XfsExtent extent = DecodeXfsExtent(records + i * xfs::kExtentRecordBytes);
    if (extent.count != 0) out.push_back(extent);
  }
}

class BtreeWalker {
 public:
  BtreeWalker(const XfsVolume& volume, const XfsInode& inode, std::uint64_t fork_extents,
              XfsStepBudget& budget, std::vector<XfsExtent>& out)
      : volume_(volume),
        inode_(inode),
        max_blocks_(std::min<std::uint64_t>(fork_extents, std::uint64_t{1} << 40) + 16),
        budget_(budget),
        out_(out) {}

  void Block(std::uint64_t fsb, unsigned expected_level) {
    budget_.Charge(1);
    if (++blocks_ > max_blocks_) {
      // A tree has fewer blocks than extents (each leaf holds at least one record).
      throw XfsFileError("bmap btree has more blocks than the inode has extents");
    }
    std::vector<std::uint8_t> block = volume_.ReadBlocks(fsb, 1);
    const std::uint8_t* b = block.data();
    bool crc = volume_.HasCrc();
    size_t header = crc ? xfs::kLongBlockBytesV5 : xfs::kLongBlockBytesV4;
    std::uint32_t magic = LoadBe32(b);
    if (magic != (crc ? xfs::kBmapCrcMagic : xfs::kBmapMagic)) {
      throw XfsFileError("bmap btree block " + std::to_string(fsb) + ": bad magic");
    }
    if (crc) {
      if (!XfsCrcMatches(b, block.size(), xfs::kLongBlockCrc)) {
        throw XfsFileError("bmap btree block " + std::to_string(fsb) + ": crc mismatch");
      }
      if (LoadBe64(b + xfs::kLongBlockOwner) != inode_.number) {
        throw XfsFileError("bmap btree block " + std::to_string(fsb) + " belongs to another inode");
      }
    }
    unsigned level = LoadBe16(b + xfs::kLongBlockLevel);
    size_t records = LoadBe16(b + xfs::kLongBlockNumRecs);
    if (level != expected_level) {
      throw XfsFileError("bmap btree block " + std::to_string(fsb) + ": wrong level");
    }
    size_t max_records = (block.size() - header) / xfs::kExtentRecordBytes;
    if (records > max_records) {
      throw XfsFileError("bmap btree block " + std::to_string(fsb) + ": too many records");
    }
    budget_.Charge(records);
    if (level == 0) {
      AppendRecords(b + header, records, out_);
      return;
    }
    // Node: keys (8 bytes each) for max_records slots, then the child pointers.
    const std::uint8_t* pointers = b + header + max_records * 8;
    std::vector<std::uint64_t> children(records);
    for (size_t i = 0; i < records; ++i) children[i] = LoadBe64(pointers + i * 8);
    for (std::uint64_t child : children) Block(child, level - 1);
  }

 private:
  const XfsVolume& volume_;
  const XfsInode& inode_;
  std::uint64_t max_blocks_;
  XfsStepBudget& budget_;
  std::vector<XfsExtent>& out_;
  std::uint64_t blocks_ = 0;
};

}  // namespace

XfsExtent DecodeXfsExtent(const std::uint8_t* record) {
  std::uint64_t l0 = LoadBe64(record);
  std::uint64_t l1 = LoadBe64(record + 8);
  XfsExtent extent;
  extent.unwritten = (l0 >> 63) != 0;
  extent.logical = (l0 & ((std::uint64_t{1} << 63) - 1)) >> 9;
  extent.block = ((l0 & 0x1ffU) << 43) | (l1 >> 21);
  extent.count = l1 & 0x1fffffU;
  return extent;
}

std::vector<XfsExtent> MapXfsFork(const XfsVolume& volume, const XfsInode& inode,
                                  const XfsFork& fork, XfsStepBudget& budget) {
  std::vector<XfsExtent> extents;
  const std::vector<std::uint8_t>& bytes = fork.bytes;
  if (fork.format == xfs::kFormatExtents) {
    if (fork.extents > bytes.size() / xfs::kExtentRecordBytes) {
      throw XfsFileError("inode " + std::to_string(inode.number) +
                         ": more extents than fit in the fork");
    }
    budget.Charge(fork.extents);
    AppendRecords(bytes.data(), static_cast<size_t>(fork.extents), extents);
  } else if (fork.format == xfs::kFormatBtree) {
    if (bytes.size() < xfs::kBmdrHeaderBytes + 16) {
      throw XfsFileError("inode " + std::to_string(inode.number) + ": btree root too small");
    }
    unsigned level = LoadBe16(bytes.data());
    size_t records = LoadBe16(bytes.data() + 2);
    size_t max_records = (bytes.size() - xfs::kBmdrHeaderBytes) / 16;
    if (level == 0 || level > kMaxBtreeLevels || records == 0 || records > max_records) {
      throw XfsFileError("inode " + std::to_string(inode.number) + ": bad btree root");
    }
    const std::uint8_t* pointers = bytes.data() + xfs::kBmdrHeaderBytes + max_records * 8;
    BtreeWalker walker(volume, inode, fork.extents, budget, extents);
    for (size_t i = 0; i < records; ++i) walker.Block(LoadBe64(pointers + i * 8), level - 1);
  } else {
    throw XfsFileError("inode " + std::to_string(inode.number) + ": fork format " +
                       std::to_string(fork.format) + " has no block map");
  }
  std::sort(extents.begin(), extents.end(),
            [](const XfsExtent& a, const XfsExtent& b) { return a.logical < b.logical; });
  for (size_t i = 0; i < extents.size(); ++i) {
    const XfsExtent& e = extents[i];
    (void)volume.BlockToVolumeByte(e.block, e.count);  // throws when outside the filesystem
    if (i > 0 && extents[i - 1].logical + extents[i - 1].count > e.logical) {
      throw XfsFileError("inode " + std::to_string(inode.number) +
                         ": extents overlap at file block " + std::to_string(e.logical));
    }
  }
  return extents;
}

std::vector<std::uint8_t> ReadXfsForkBytes(const XfsVolume& volume,
                                           const std::vector<XfsExtent>& extents,
                                           std::uint64_t offset, size_t size) {
  std::vector<std::uint8_t> out(size, 0);
  std::uint64_t block_size = volume.Geometry().block_size;
  std::uint64_t end = offset + size;
  auto first =
      std::upper_bound(extents.begin(), extents.end(), offset / block_size,
                       [](std::uint64_t block, const XfsExtent& e) { return block < e.logical; });
  if (first != extents.begin()) --first;
  for (auto it = first; it != extents.end(); ++it) {
    std::uint64_t start = it->logical * block_size;
    if (start >= end) break;
    std::uint64_t stop = start + it->count * block_size;
    if (stop <= offset || it->unwritten) continue;
    std::uint64_t from = std::max(start, offset);
    std::uint64_t to = std::min(stop, end);
    std::uint64_t image = volume.BlockToVolumeByte(it->block, it->count) + (from - start);
    volume.ReadVolume(image, out.data() + (from - offset), static_cast<size_t>(to - from));
  }
  return out;
}

}  // namespace virdomm::monitor
