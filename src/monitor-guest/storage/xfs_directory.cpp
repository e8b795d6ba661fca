// XFS directory parsing: shortform entries in the inode and the entries of data blocks, with
// each block's magic, crc and owner checked and every length bounded by its block.
#include "storage/xfs_directory.h"

#include "storage/big_endian.h"
#include "storage/xfs_format.h"

namespace virdomm::monitor {
namespace {

void CountSlot(std::uint64_t& slots, std::uint64_t max_slots) {
  if (++slots > max_slots) {
    throw XfsFileError("directory has more than " + std::to_string(max_slots) +
                       " entry slots; not listed");
  }
}

void AddEntry(std::string name, std::uint64_t inode, std::vector<XfsDirEntry>& out) {
  if (name == "." || name == "..") return;
  out.push_back(XfsDirEntry{std::move(name), inode});
}

std::vector<XfsDirEntry> ListShortform(const XfsGeometry& geometry, const XfsInode& dir,
                                       std::uint64_t max_slots) {
  const std::vector<std::uint8_t>& fork = dir.data.bytes;
  size_t size = static_cast<size_t>(std::min<std::uint64_t>(dir.size, fork.size()));
  auto fail = [&](const char* why) {
    return XfsFileError("shortform directory inode " + std::to_string(dir.number) + ": " + why);
  };
  if (size < 6) throw fail("too small");
  const std::uint8_t* p = fork.data();
  size_t count = p[0];
  size_t inode_bytes = p[1] != 0 ? 8 : 4;
  size_t at = 2 + inode_bytes;  // header: count, i8count, parent inode
  std::vector<XfsDirEntry> out;
  std::uint64_t slots = 0;
  for (size_t i = 0; i < count; ++i) {
    CountSlot(slots, max_slots);
    if (at + 3 > size) throw fail("entry runs past the fork");
    size_t name_length = p[at];
    size_t entry = 3 + name_length + (geometry.has_ftype ? 1 : 0) + inode_bytes;
    if (name_length == 0 || at + entry > size) throw fail("entry runs past the fork");
    std::string name(reinterpret_cast<const char*>(p + at + 3), name_length);
    const std::uint8_t* number = p + at + entry - inode_bytes;
    std::uint64_t inode = inode_bytes == 8 ? LoadBe64(number) : LoadBe32(number);
    AddEntry(std::move(name), inode, out);
    at += entry;
  }
  return out;
}

}  // namespace

void ParseXfsDirBlock(const XfsGeometry& geometry, std::uint64_t owner, const std::uint8_t* block,
                      size_t size, std::uint64_t max_slots, std::uint64_t& slots,
                      std::vector<XfsDirEntry>& out) {
  auto fail = [&](const std::string& why) {
    return XfsFileError("directory inode " + std::to_string(owner) + ": data block " + why);
  };
  bool v5 = geometry.version == 5;
  size_t header = v5 ? xfs::kDirDataHeaderV5 : xfs::kDirDataHeaderV4;
  if (size < header + xfs::kDirBlockTailBytes) throw fail("too small");
  std::uint32_t magic = LoadBe32(block);
  bool single = magic == (v5 ? xfs::kDirBlockMagicV5 : xfs::kDirBlockMagicV4);
  if (!single && magic != (v5 ? xfs::kDirDataMagicV5 : xfs::kDirDataMagicV4)) {
    throw fail("has a bad magic");
  }
  if (v5) {
    if (!XfsCrcMatches(block, size, xfs::kDir3Crc)) throw fail("crc mismatch");
    if (LoadBe64(block + xfs::kDir3Owner) != owner) throw fail("belongs to another inode");
  }
  size_t end = size;
  if (single) {
    // A single-block directory ends in its hash leaf entries and a tail giving their count.
    std::uint64_t leaf_count = LoadBe32(block + size - xfs::kDirBlockTailBytes);
    std::uint64_t leaf_bytes = leaf_count * xfs::kDirLeafEntryBytes + xfs::kDirBlockTailBytes;
    if (leaf_bytes > size - header) throw fail("leaf count exceeds the block");
    end = size - static_cast<size_t>(leaf_bytes);
  }
  size_t at = header;
  while (at + 8 <= end) {
    CountSlot(slots, max_slots);
    const std::uint8_t* p = block + at;
    if (LoadBe16(p) == xfs::kDirFreeTag) {
      size_t length = LoadBe16(p + 2);
      if (length < 8 || length % 8 != 0 || length > end - at) throw fail("bad free entry");
      at += length;
      continue;
    }
    size_t name_length = p[8];
    size_t length = (8 + 1 + name_length + (geometry.has_ftype ? 1 : 0) + 2 + 7) & ~size_t{7};
    if (name_length == 0 || length > end - at) throw fail("entry runs past the block");
    AddEntry(std::string(reinterpret_cast<const char*>(p + 9), name_length), LoadBe64(p), out);
    at += length;
  }
}

std::vector<XfsDirEntry> ListXfsDirectory(const XfsVolume& volume, const XfsInode& dir,
                                          std::uint64_t max_slots, XfsStepBudget& budget) {
  const XfsGeometry& geometry = volume.Geometry();
  if (dir.data.format == xfs::kFormatLocal) {
    std::vector<XfsDirEntry> entries = ListShortform(geometry, dir, max_slots);
    budget.Charge(entries.size());
    return entries;
  }
  std::vector<XfsExtent> extents = MapXfsFork(volume, dir, dir.data, budget);
  std::uint64_t dir_blocks = geometry.dir_block_size / geometry.block_size;
  std::uint64_t leaf_block = xfs::kDirLeafOffset / geometry.block_size;
  std::vector<XfsDirEntry> out;
  std::uint64_t slots = 0;
  std::uint64_t next = 0;  // first directory block (in filesystem blocks) not yet parsed
  for (const XfsExtent& extent : extents) {
    if (extent.logical >= leaf_block) break;
    std::uint64_t first = std::max(next, extent.logical - extent.logical % dir_blocks);
    std::uint64_t stop = std::min(extent.logical + extent.count, leaf_block);
    for (std::uint64_t b = first; b < stop; b += dir_blocks) {
      budget.Charge(dir_blocks);
      std::vector<std::uint8_t> block =
          ReadXfsForkBytes(volume, extents, b * geometry.block_size, geometry.dir_block_size);
      ParseXfsDirBlock(geometry, dir.number, block.data(), block.size(), max_slots, slots, out);
      next = b + dir_blocks;
    }
  }
  budget.Charge(slots);
  return out;
}

}  // namespace virdomm::monitor
