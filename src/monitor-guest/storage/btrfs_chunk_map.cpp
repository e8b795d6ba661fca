// Chunk parsing and address translation, refusing every layout a single device cannot hold.
#include "storage/btrfs_chunk_map.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace virdomm::monitor::btrfs {
namespace {

std::string ProfileName(std::uint64_t type) {
  using namespace chunk_type;
  if ((type & kRaid0) != 0) return "RAID0";
  if ((type & kRaid1) != 0) return "RAID1";
  if ((type & kRaid10) != 0) return "RAID10";
  if ((type & kRaid5) != 0) return "RAID5";
  if ((type & kRaid6) != 0) return "RAID6";
  if ((type & kRaid1c3) != 0) return "RAID1C3";
  if ((type & kRaid1c4) != 0) return "RAID1C4";
  return "unknown profile " + HexNumber(type);
}

}  // namespace

void ChunkMap::Add(std::uint64_t logical, Bytes item) {
  std::string where = "btrfs chunk at logical " + HexNumber(logical);
  if (item.size() < chunk::kBytes) throw BtrfsError(where + ": chunk item truncated");
  std::uint64_t length = Le64(item, chunk::kLength);
  std::uint64_t type = Le64(item, chunk::kType);
  std::uint16_t stripes = Le16(item, chunk::kNumStripes);
  if (stripes == 0 || item.size() != chunk::kBytes + stripes * chunk::kStripeBytes) {
    throw BtrfsError(where + ": chunk item of " + std::to_string(item.size()) + " bytes for " +
                     std::to_string(stripes) + " stripes");
  }
  std::uint64_t profile = type & chunk_type::kProfileMask;
  if (profile != 0 && profile != chunk_type::kDup) {
    throw BtrfsError(where + ": " + ProfileName(profile) +
                     " chunks are not supported (only single-device SINGLE and DUP)");
  }
  if ((profile == chunk_type::kDup) != (stripes == 2) || stripes > 2) {
    throw BtrfsError(where + ": " + std::to_string(stripes) + " stripes for a " +
                     (profile == 0 ? "SINGLE" : "DUP") + " chunk");
  }
  if (length == 0 || logical + length < logical) throw BtrfsError(where + ": bad length");
  std::uint64_t physical = 0;
  for (std::uint16_t i = 0; i < stripes; ++i) {
    Bytes stripe = item.subspan(chunk::kBytes + i * chunk::kStripeBytes, chunk::kStripeBytes);
    std::uint64_t devid = Le64(stripe, chunk::kStripeDevid);
    std::uint64_t offset = Le64(stripe, chunk::kStripeOffset);
    if (devid != device_id_) {
      throw BtrfsError(where + ": stripe on device " + std::to_string(devid) +
                       "; multi-device filesystems are not supported");
    }
    if (offset > device_bytes_ || length > device_bytes_ - offset) {
      throw BtrfsError(where + ": stripe at device byte " + HexNumber(offset) + " of length " +
                       HexNumber(length) + " lies outside the volume");
    }
    if (i == 0) physical = offset;
  }
  auto it = std::lower_bound(
      chunks_.begin(), chunks_.end(), logical,
      [](const ChunkMapping& c, std::uint64_t value) { return c.logical < value; });
  if (it != chunks_.end() && it->logical == logical) {
    if (it->length == length && it->physical == physical) return;
    throw BtrfsError(where + ": described twice, differently");
  }
  if ((it != chunks_.end() && logical + length > it->logical) ||
      (it != chunks_.begin() && std::prev(it)->logical + std::prev(it)->length > logical)) {
    throw BtrfsError(where + ": overlaps another chunk");
  }
  chunks_.insert(it, ChunkMapping{logical, length, physical, type});
}

void ChunkMap::AddSystemChunkArray(Bytes array) {
  size_t at = 0;
  while (at < array.size()) {
    if (array.size() - at < kKeyBytes + chunk::kBytes) {
      throw BtrfsError("btrfs sys_chunk_array: truncated entry at byte " + std::to_string(at));
    }
    Key key = ReadKey(array, at);
    if (key.type != item::kChunkItem) {
      throw BtrfsError("btrfs sys_chunk_array: entry of type " + std::to_string(key.type) +
                       " at byte " + std::to_string(at));
    }
    Bytes chunk = array.subspan(at + kKeyBytes);
    std::uint16_t stripes = Le16(chunk, chunk::kNumStripes);
    size_t bytes = chunk::kBytes + static_cast<size_t>(stripes) * chunk::kStripeBytes;
    if (bytes > chunk.size()) {
      throw BtrfsError("btrfs sys_chunk_array: chunk at byte " + std::to_string(at) +
                       " runs past the array");
    }
    Add(key.offset, chunk.first(bytes));
    at += kKeyBytes + bytes;
  }
}

const ChunkMapping* ChunkMap::Find(std::uint64_t logical) const {
  auto it = std::upper_bound(
      chunks_.begin(), chunks_.end(), logical,
      [](std::uint64_t value, const ChunkMapping& c) { return value < c.logical; });
  if (it == chunks_.begin()) return nullptr;
  --it;
  return logical - it->logical < it->length ? &*it : nullptr;
}

std::uint64_t ChunkMap::Map(std::uint64_t logical, std::uint64_t length) const {
  const ChunkMapping* chunk = Find(logical);
  if (chunk == nullptr) {
    throw BtrfsError("btrfs logical address " + HexNumber(logical) + " is in no chunk");
  }
  std::uint64_t inside = logical - chunk->logical;
  if (length > chunk->length - inside) {
    throw BtrfsError("btrfs logical range " + HexNumber(logical) + "+" + HexNumber(length) +
                     " crosses the end of its chunk");
  }
  return chunk->physical + inside;
}

}  // namespace virdomm::monitor::btrfs
