// btrfs logical-to-physical address mapping of a single-device filesystem, built from the
// superblock's sys_chunk_array and then the chunk tree's CHUNK_ITEMs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/btrfs_format.h"
#include "storage/ext_source.h"

namespace virdomm::monitor::btrfs {

// A filesystem this reader refuses as a whole (bad superblock, RAID chunks, broken chunk tree).
class BtrfsError : public SourceError {
 public:
  using SourceError::SourceError;
};

struct ChunkMapping {
  std::uint64_t logical = 0;
  std::uint64_t length = 0;
  std::uint64_t physical = 0;  // device byte of the first stripe (DUP keeps a second copy)
  std::uint64_t type = 0;
};

class ChunkMap {
 public:
  // `device_id`: the only device's id (the superblock's dev_item); `device_bytes`: the bytes of
  // the volume the device occupies, which every stripe must lie within.
  ChunkMap(std::uint64_t device_id, std::uint64_t device_bytes)
      : device_id_(device_id), device_bytes_(device_bytes) {}

  // Adds the chunk at `logical` from a struct btrfs_chunk with its stripes (exactly `item`).
  // A chunk already known with the same extent is accepted again (the sys_chunk_array
  // repeats the chunk tree's system chunks); an overlapping one, a RAID profile, a stripe on
  // another device or outside the volume throws BtrfsError.
  void Add(std::uint64_t logical, Bytes item);
  // Parses the superblock's sys_chunk_array: (key, chunk) pairs.
  void AddSystemChunkArray(Bytes array);

  // Physical byte of `logical`, when [logical, logical+length) lies inside one chunk; throws
  // BtrfsError otherwise.
  [[nodiscard]] std::uint64_t Map(std::uint64_t logical, std::uint64_t length) const;
  // The chunk holding `logical`, or nullptr.
  [[nodiscard]] const ChunkMapping* Find(std::uint64_t logical) const;
  [[nodiscard]] const std::vector<ChunkMapping>& Chunks() const { return chunks_; }

 private:
  std::uint64_t device_id_;
  std::uint64_t device_bytes_;
  std::vector<ChunkMapping> chunks_;  // sorted by logical, non-overlapping
};

}  // namespace virdomm::monitor::btrfs
