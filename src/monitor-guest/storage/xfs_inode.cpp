// XFS inode core decoding: timestamps (classic and bigtime), extent counts (classic and nrext64),
// device numbers and the bounds of the data and attribute forks.
#include "storage/xfs_inode.h"

#include "storage/big_endian.h"
#include "storage/xfs_format.h"

namespace virdomm::monitor {
namespace {

Timestamp DecodeTime(const std::uint8_t* p, bool bigtime) {
  Timestamp time;
  if (bigtime) {
    std::uint64_t ns = LoadBe64(p);
    time.seconds = static_cast<std::int64_t>(ns / 1'000'000'000U) - xfs::kBigtimeEpochOffset;
    time.nanoseconds = static_cast<std::uint32_t>(ns % 1'000'000'000U);
  } else {
    time.seconds = static_cast<std::int32_t>(LoadBe32(p));
    time.nanoseconds = std::min<std::uint32_t>(LoadBe32(p + 4), 999'999'999U);
  }
  return time;
}

}  // namespace

XfsInode DecodeXfsInode(const XfsGeometry& geometry, std::uint64_t ino, const std::uint8_t* bytes,
                        size_t size) {
  auto fail = [&](const std::string& why) {
    return XfsFileError("inode " + std::to_string(ino) + ": " + why);
  };
  if (size < geometry.inode_size || geometry.inode_size < xfs::kCoreBytesV3) {
    throw fail("short inode");
  }
  if (LoadBe16(bytes) != xfs::kInodeMagic) throw fail("bad magic");
  std::uint8_t version = bytes[xfs::kDiVersion];
  bool v3 = version == 3;
  if (geometry.version == 5 ? !v3 : (version != 1 && version != 2)) {
    throw fail("inode version " + std::to_string(version) + " does not fit the filesystem");
  }
  if (v3) {
    if (!XfsCrcMatches(bytes, geometry.inode_size, xfs::kDiCrc)) throw fail("crc mismatch");
    if (LoadBe64(bytes + xfs::kDiIno) != ino) throw fail("the inode names another number");
  }
  XfsInode inode;
  inode.number = ino;
  inode.mode = LoadBe16(bytes + xfs::kDiMode);
  inode.uid = LoadBe32(bytes + xfs::kDiUid);
  inode.gid = LoadBe32(bytes + xfs::kDiGid);
  inode.links = version == 1 ? LoadBe16(bytes + xfs::kDiOldLinks) : LoadBe32(bytes + xfs::kDiLinks);
  inode.size = LoadBe64(bytes + xfs::kDiSize);
  if (inode.size > (std::uint64_t{1} << 63) - 1) throw fail("negative size");
  std::uint64_t flags2 = v3 ? LoadBe64(bytes + xfs::kDiFlags2) : 0;
  bool bigtime = (flags2 & xfs::kDiFlag2Bigtime) != 0;
  inode.mtime = DecodeTime(bytes + xfs::kDiMtime, bigtime);
  inode.ctime = DecodeTime(bytes + xfs::kDiCtime, bigtime);
  inode.realtime = (LoadBe16(bytes + xfs::kDiFlags) & xfs::kDiFlagRealtime) != 0;
  if ((flags2 & xfs::kDiFlag2Nrext64) != 0) {
    inode.data.extents = LoadBe64(bytes + xfs::kDiBigExtents);
    inode.attr.extents = LoadBe32(bytes + xfs::kDiExtents);
  } else {
    inode.data.extents = LoadBe32(bytes + xfs::kDiExtents);
    inode.attr.extents = LoadBe16(bytes + xfs::kDiAttrExtents);
  }
  size_t core = v3 ? xfs::kCoreBytesV3 : xfs::kCoreBytesV2;
  size_t literal = geometry.inode_size - core;
  size_t fork_offset = size_t{bytes[xfs::kDiForkOffset]} * 8;
  if (fork_offset >= literal) throw fail("attribute fork offset outside the inode");
  size_t data_size = fork_offset != 0 ? fork_offset : literal;
  inode.data.format = bytes[xfs::kDiFormat];
  inode.data.bytes.assign(bytes + core, bytes + core + data_size);
  if (fork_offset != 0) {
    inode.has_attr_fork = true;
    inode.attr.format = bytes[xfs::kDiAttrFormat];
    inode.attr.bytes.assign(bytes + core + fork_offset, bytes + geometry.inode_size);
  }
  FileType type = FileTypeFromMode(inode.mode);
  if (type == FileType::kCharDevice || type == FileType::kBlockDevice) {
    if (inode.data.format != xfs::kFormatDevice || data_size < 4) throw fail("bad device fork");
    // XFS keeps the SysV encoding (14-bit major, 18-bit minor); Linux uses 9 bits of the major.
    std::uint32_t dev = LoadBe32(inode.data.bytes.data());
    inode.device_major = (dev >> 18) & 0x1ffU;
    inode.device_minor = dev & 0x3ffffU;
  }
  return inode;
}

XfsInode ReadXfsInode(const XfsVolume& volume, std::uint64_t ino) {
  const XfsGeometry& geometry = volume.Geometry();
  std::vector<std::uint8_t> bytes(geometry.inode_size);
  volume.ReadVolume(volume.InodeToVolumeByte(ino), bytes.data(), bytes.size());
  return DecodeXfsInode(geometry, ino, bytes.data(), bytes.size());
}

}  // namespace virdomm::monitor
