// Remote symlink and xattr value blocks, each v5 header checked against its place in the value.
#include "storage/xfs_remote.h"

#include "storage/big_endian.h"
#include "storage/xfs_format.h"

namespace virdomm::monitor {

std::string ReadXfsRemoteValue(const XfsVolume& volume, const std::vector<XfsExtent>& extents,
                               std::uint64_t first_block, size_t length, std::uint32_t magic,
                               std::uint64_t owner) {
  std::uint64_t block_size = volume.Geometry().block_size;
  bool v5 = volume.HasCrc();
  size_t per_block = static_cast<size_t>(v5 ? block_size - xfs::kRemoteHeaderBytes : block_size);
  std::string value;
  value.reserve(length);
  std::uint64_t block = first_block;
  while (value.size() < length) {
    std::vector<std::uint8_t> bytes =
        ReadXfsForkBytes(volume, extents, block * block_size, static_cast<size_t>(block_size));
    size_t take = std::min(per_block, length - value.size());
    const std::uint8_t* data = bytes.data();
    if (v5) {
      const std::uint8_t* b = bytes.data();
      if (LoadBe32(b) != magic || !XfsCrcMatches(b, bytes.size(), xfs::kRemoteCrc) ||
          LoadBe64(b + xfs::kRemoteOwner) != owner ||
          LoadBe32(b + xfs::kRemoteOffset) != value.size() ||
          LoadBe32(b + xfs::kRemoteBytes) != take) {
        throw XfsFileError("remote value block " + std::to_string(block) + " of inode " +
                           std::to_string(owner) + " is damaged (magic, crc, owner or offset)");
      }
      data += xfs::kRemoteHeaderBytes;
    }
    value.append(reinterpret_cast<const char*>(data), take);
    ++block;
  }
  return value;
}

}  // namespace virdomm::monitor
