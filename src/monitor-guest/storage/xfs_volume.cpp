// XFS superblock checks and bounded block and inode addressing.
#include "storage/xfs_volume.h"

#include <ext2fs/ext2fs.h>

#include <cstring>

#include "storage/big_endian.h"
#include "storage/xfs_format.h"

namespace virdomm::monitor {
namespace {

bool IsPowerOfTwo(std::uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

unsigned Log2(std::uint64_t value) {
  unsigned log = 0;
  while ((std::uint64_t{1} << log) < value) ++log;
  return log;
}

}  // namespace

bool XfsCrcMatches(const std::uint8_t* bytes, size_t size, size_t crc_offset) {
  if (crc_offset + 4 > size) return false;
  std::uint32_t stored = LoadLe32(bytes + crc_offset);
  static constexpr std::uint8_t kZero[4] = {0, 0, 0, 0};
  std::uint32_t crc = ext2fs_crc32c_le(~0U, bytes, static_cast<unsigned>(crc_offset));
  crc = ext2fs_crc32c_le(crc, kZero, 4);
  crc = ext2fs_crc32c_le(crc, bytes + crc_offset + 4, static_cast<unsigned>(size - crc_offset - 4));
  return ~crc == stored;
}

bool HasXfsMagic(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length) {
  std::uint8_t magic[4] = {};
  if (length < xfs::kSbBytes || read(offset, magic, sizeof magic) != sizeof magic) return false;
  return LoadBe32(magic) == xfs::kSbMagic;
}

XfsGeometry ParseXfsSuperblock(const std::uint8_t* sb, size_t size) {
  if (size < 512) throw Error("XFS superblock: short read");
  if (LoadBe32(sb) != xfs::kSbMagic) throw Error("no XFS superblock magic");
  XfsGeometry g;
  std::uint16_t versionnum = LoadBe16(sb + xfs::kSbVersion);
  g.version = versionnum & xfs::kVersionNumberMask;
  if (g.version != 4 && g.version != 5) {
    throw Error("XFS superblock version " + std::to_string(g.version) + " is not supported");
  }
  g.sector_size = LoadBe16(sb + xfs::kSbSectSize);
  if (!IsPowerOfTwo(g.sector_size) || g.sector_size < 512 || g.sector_size > 32768) {
    throw Error("XFS superblock: bad sector size " + std::to_string(g.sector_size));
  }
  if (g.version == 5) {
    if (size < g.sector_size) throw Error("XFS superblock: short read");
    if (!XfsCrcMatches(sb, g.sector_size, xfs::kSbCrc)) {
      throw Error("XFS superblock crc mismatch");
    }
    std::uint32_t incompat = LoadBe32(sb + xfs::kSbFeaturesIncompat);
    if ((incompat & ~xfs::kIncompatKnown) != 0) {
      throw Error("XFS superblock has unknown incompatible features 0x" +
                  std::to_string(incompat & ~xfs::kIncompatKnown));
    }
    g.has_ftype = (incompat & xfs::kIncompatFtype) != 0;
    g.bigtime = (incompat & xfs::kIncompatBigtime) != 0;
    g.nrext64 = (incompat & xfs::kIncompatNrext64) != 0;
  } else if ((versionnum & xfs::kVersionMoreBits) != 0) {
    g.has_ftype = (LoadBe32(sb + xfs::kSbFeatures2) & xfs::kFeatures2Ftype) != 0;
  }
  if (sb[xfs::kSbInProgress] != 0) throw Error("XFS filesystem is still being created (mkfs)");
  g.block_size = LoadBe32(sb + xfs::kSbBlockSize);
  if (!IsPowerOfTwo(g.block_size) || g.block_size < 512 || g.block_size > 65536 ||
      Log2(g.block_size) != sb[xfs::kSbBlockLog] || g.block_size < g.sector_size) {
    throw Error("XFS superblock: bad block size " + std::to_string(g.block_size));
  }
  g.inode_size = LoadBe16(sb + xfs::kSbInodeSize);
  if (!IsPowerOfTwo(g.inode_size) || g.inode_size < 256 || g.inode_size > 2048 ||
      g.inode_size > g.block_size || Log2(g.inode_size) != sb[xfs::kSbInodeLog]) {
    throw Error("XFS superblock: bad inode size " + std::to_string(g.inode_size));
  }
  g.inodes_per_block_log = sb[xfs::kSbInoPerBlockLog];
  // The log is a raw byte: bound it before it is used as a shift count.
  if (LoadBe16(sb + xfs::kSbInoPerBlock) != g.block_size / g.inode_size ||
      g.inodes_per_block_log > 8 ||
      (std::uint64_t{1} << g.inodes_per_block_log) != g.block_size / g.inode_size) {
    throw Error("XFS superblock: inodes per block disagree with the sizes");
  }
  g.ag_blocks = LoadBe32(sb + xfs::kSbAgBlocks);
  g.ag_count = LoadBe32(sb + xfs::kSbAgCount);
  g.ag_block_log = sb[xfs::kSbAgBlockLog];
  if (g.ag_blocks < 16 || g.ag_count == 0 || g.ag_block_log != Log2(g.ag_blocks) ||
      g.ag_block_log + g.inodes_per_block_log > 56) {
    throw Error("XFS superblock: bad allocation group geometry");
  }
  g.data_blocks = LoadBe64(sb + xfs::kSbDataBlocks);
  std::uint64_t ag_span = std::uint64_t{g.ag_count} * g.ag_blocks;
  if (g.data_blocks == 0 || g.data_blocks > ag_span || g.data_blocks <= ag_span - g.ag_blocks) {
    throw Error("XFS superblock: block count disagrees with the allocation groups");
  }
  unsigned dir_log = sb[xfs::kSbDirBlockLog];
  if (dir_log > 16 || (std::uint64_t{g.block_size} << dir_log) > 65536) {
    throw Error("XFS superblock: bad directory block size");
  }
  g.dir_block_size = g.block_size << dir_log;
  g.root_inode = LoadBe64(sb + xfs::kSbRootIno);
  g.log_start = LoadBe64(sb + xfs::kSbLogStart);
  g.log_blocks = LoadBe32(sb + xfs::kSbLogBlocks);
  return g;
}

XfsVolume::XfsVolume(ReadAtFn read, VolumeMap map) : read_(std::move(read)), map_(std::move(map)) {
  std::uint64_t length = map_.Length();
  std::vector<std::uint8_t> sb(512);
  if (length < sb.size() || map_.Read(read_, 0, sb.data(), sb.size()) != sb.size()) {
    throw Error("XFS superblock: short read");
  }
  std::uint16_t sector = LoadBe16(sb.data() + xfs::kSbSectSize);
  if (sector > 512 && sector <= 32768 && sector <= length) {
    sb.resize(sector);
    if (map_.Read(read_, 0, sb.data(), sb.size()) != sb.size()) {
      throw Error("XFS superblock: short read");
    }
  }
  geometry_ = ParseXfsSuperblock(sb.data(), sb.size());
  if (geometry_.data_blocks > length / geometry_.block_size) {
    throw Error("XFS filesystem claims " + std::to_string(geometry_.data_blocks) +
                " blocks but only " + std::to_string(length / geometry_.block_size) +
                " fit in its volume");
  }
}

std::uint64_t XfsVolume::BlockToVolumeByte(std::uint64_t fsb, std::uint64_t count) const {
  std::uint64_t ag = fsb >> geometry_.ag_block_log;
  std::uint64_t ag_block = fsb & ((std::uint64_t{1} << geometry_.ag_block_log) - 1);
  if (ag >= geometry_.ag_count || ag_block >= geometry_.ag_blocks ||
      count > geometry_.ag_blocks - ag_block) {
    throw XfsFileError("block " + std::to_string(fsb) + " (+" + std::to_string(count) +
                       ") lies outside the filesystem's allocation groups");
  }
  std::uint64_t linear = ag * geometry_.ag_blocks + ag_block;
  if (linear >= geometry_.data_blocks || count > geometry_.data_blocks - linear) {
    throw XfsFileError("block " + std::to_string(fsb) + " lies past the end of the filesystem");
  }
  return linear * geometry_.block_size;
}

std::uint64_t XfsVolume::InodeToVolumeByte(std::uint64_t ino) const {
  unsigned per_block_log = geometry_.inodes_per_block_log;
  std::uint64_t fsb = ino >> per_block_log;
  if ((fsb >> geometry_.ag_block_log) >= geometry_.ag_count || ino == 0) {
    throw XfsFileError("inode number " + std::to_string(ino) + " lies outside the filesystem");
  }
  std::uint64_t index = ino & ((std::uint64_t{1} << per_block_log) - 1);
  return BlockToVolumeByte(fsb, 1) + index * geometry_.inode_size;
}

void XfsVolume::ReadVolume(std::uint64_t offset, void* buffer, size_t size) const {
  if (offset > map_.Length() || size > map_.Length() - offset) {
    throw XfsFileError("read outside the volume");
  }
  if (map_.Read(read_, offset, buffer, size) != size) {
    throw XfsFileError("short read at volume byte " + std::to_string(offset));
  }
}

std::vector<std::uint8_t> XfsVolume::ReadBlocks(std::uint64_t fsb, std::uint64_t count) const {
  std::uint64_t start = BlockToVolumeByte(fsb, count);
  if (count > (std::uint64_t{1} << 30) / geometry_.block_size) {
    throw XfsFileError("metadata read of " + std::to_string(count) + " blocks is too large");
  }
  std::vector<std::uint8_t> bytes(static_cast<size_t>(count * geometry_.block_size));
  ReadVolume(start, bytes.data(), bytes.size());
  return bytes;
}

}  // namespace virdomm::monitor
