// Superblock checks: everything later trusts nodesize, sectorsize and the chunk bootstrap.
#include "storage/btrfs_superblock.h"

#include <algorithm>
#include <bit>
#include <cstdio>

#include "storage/btrfs_checksum.h"

namespace virdomm::monitor::btrfs {

Superblock ParseSuperblock(Bytes block) {
  if (block.size() < kSuperblockBytes) throw BtrfsError("btrfs superblock truncated");
  if (!std::equal(kMagic.begin(), kMagic.end(), block.begin() + sb::kMagic)) {
    throw BtrfsError("no btrfs superblock magic");
  }
  Superblock super;
  super.csum_type = Le16(block, sb::kCsumType);
  if (!ChecksumSupported(super.csum_type)) {
    throw BtrfsError(std::string("btrfs checksum type ") + ChecksumName(super.csum_type) + " (" +
                     std::to_string(super.csum_type) + ") not supported");
  }
  if (!ChecksumMatches(super.csum_type, block.first(kSuperblockBytes))) {
    throw BtrfsError("btrfs superblock checksum mismatch");
  }
  if (Le64(block, sb::kBytenr) != kSuperblockOffset) {
    throw BtrfsError("btrfs superblock records its own location as " +
                     std::to_string(Le64(block, sb::kBytenr)));
  }
  super.incompat = Le64(block, sb::kIncompatFlags);
  if ((super.incompat & ~incompat::kKnown) != 0) {
    throw BtrfsError("btrfs incompatible features " +
                     HexNumber(super.incompat & ~incompat::kKnown) + " not supported");
  }
  size_t fsid_at = (super.incompat & incompat::kMetadataUuid) != 0 ? sb::kMetadataUuid : sb::kFsid;
  std::copy_n(block.begin() + static_cast<std::ptrdiff_t>(fsid_at), 16,
              super.metadata_fsid.begin());
  super.generation = Le64(block, sb::kGeneration);
  super.root_tree = {Le64(block, sb::kRoot), block[sb::kRootLevel]};
  super.chunk_tree = {Le64(block, sb::kChunkRoot), block[sb::kChunkRootLevel]};
  super.log_root = Le64(block, sb::kLogRoot);
  super.num_devices = Le64(block, sb::kNumDevices);
  super.sector_size = Le32(block, sb::kSectorSize);
  super.node_size = Le32(block, sb::kNodeSize);
  super.device_id = Le64(block, sb::kDevItem);
  if (super.num_devices != 1) {
    throw BtrfsError("btrfs filesystem spans " + std::to_string(super.num_devices) +
                     " devices; only single-device filesystems are supported");
  }
  if (!std::has_single_bit(super.sector_size) || super.sector_size < 4096 ||
      super.sector_size > 65536) {
    throw BtrfsError("btrfs sector size " + std::to_string(super.sector_size) + " is invalid");
  }
  if (!std::has_single_bit(super.node_size) || super.node_size < super.sector_size ||
      super.node_size > 65536) {
    throw BtrfsError("btrfs node size " + std::to_string(super.node_size) + " is invalid");
  }
  if (super.root_tree.level > node::kMaxLevel || super.chunk_tree.level > node::kMaxLevel) {
    throw BtrfsError("btrfs superblock names a tree level above 7");
  }
  std::uint32_t array_size = Le32(block, sb::kSysChunkArraySize);
  if (array_size > sb::kSysChunkArrayMax) {
    throw BtrfsError("btrfs sys_chunk_array of " + std::to_string(array_size) +
                     " bytes exceeds 2048");
  }
  Bytes array = block.subspan(sb::kSysChunkArray, array_size);
  super.sys_chunk_array.assign(array.begin(), array.end());
  return super;
}

}  // namespace virdomm::monitor::btrfs
