// Checksums of btrfs superblocks and tree nodes: crc32c and SHA-256 are verified; xxhash64 and
// BLAKE2b-256 filesystems are refused by the superblock parser.
#pragma once

#include <cstdint>

#include "storage/btrfs_format.h"

namespace virdomm::monitor::btrfs {

// Whether `csum_type` is one this reader verifies.
bool ChecksumSupported(std::uint16_t csum_type);
const char* ChecksumName(std::uint16_t csum_type);

// Whether the first 32 bytes of `block` hold the checksum of the rest, as btrfs writes it for
// a superblock and for every tree node.
bool ChecksumMatches(std::uint16_t csum_type, Bytes block);

}  // namespace virdomm::monitor::btrfs
