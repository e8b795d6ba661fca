// The btrfs primary superblock: checked and reduced to what the reader needs.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "storage/btrfs_chunk_map.h"
#include "storage/btrfs_format.h"

namespace virdomm::monitor::btrfs {

struct TreeRoot {
  std::uint64_t logical = 0;
  std::uint8_t level = 0;
};

struct Superblock {
  std::array<std::uint8_t, 16> metadata_fsid{};  // what every node header carries
  std::uint64_t generation = 0;
  TreeRoot root_tree;
  TreeRoot chunk_tree;
  std::uint64_t log_root = 0;  // non-zero: fsync'ed changes in a log tree, not yet committed
  std::uint64_t num_devices = 0;
  std::uint32_t sector_size = 0;
  std::uint32_t node_size = 0;
  std::uint16_t csum_type = 0;
  std::uint64_t incompat = 0;
  std::uint64_t device_id = 0;
  std::vector<std::uint8_t> sys_chunk_array;
};

// Parses and checks the 4096 bytes at kSuperblockOffset: magic, checksum, sizes, features,
// single device. Throws BtrfsError naming what is wrong.
Superblock ParseSuperblock(Bytes block);

}  // namespace virdomm::monitor::btrfs
