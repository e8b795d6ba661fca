// The btrfs on-disk layout the checker reads: superblock, tree node header, keys and item
// payloads, as byte offsets into little-endian structures. Every reader here takes a span and
// checks its length first: the bytes come from an untrusted image.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "common/hex.h"

namespace virdomm::monitor::btrfs {

using Bytes = std::span<const std::uint8_t>;

inline std::uint16_t Le16(Bytes b, size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
inline std::uint32_t Le32(Bytes b, size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) |
         (static_cast<std::uint32_t>(b[at + 3]) << 24);
}
inline std::uint64_t Le64(Bytes b, size_t at) {
  return static_cast<std::uint64_t>(Le32(b, at)) |
         (static_cast<std::uint64_t>(Le32(b, at + 4)) << 32);
}

// Superblock: the primary copy at 64 KiB; 4096 bytes, checksummed from byte 32 on.
inline constexpr std::uint64_t kSuperblockOffset = 64ULL * 1024;
inline constexpr size_t kSuperblockBytes = 4096;
inline constexpr std::string_view kMagic = "_BHRfS_M";
namespace sb {
inline constexpr size_t kCsum = 0x00;
inline constexpr size_t kFsid = 0x20;
inline constexpr size_t kBytenr = 0x30;
inline constexpr size_t kMagic = 0x40;
inline constexpr size_t kGeneration = 0x48;
inline constexpr size_t kRoot = 0x50;
inline constexpr size_t kChunkRoot = 0x58;
inline constexpr size_t kLogRoot = 0x60;
inline constexpr size_t kTotalBytes = 0x70;
inline constexpr size_t kNumDevices = 0x88;
inline constexpr size_t kSectorSize = 0x90;
inline constexpr size_t kNodeSize = 0x94;
inline constexpr size_t kSysChunkArraySize = 0xa0;
inline constexpr size_t kIncompatFlags = 0xbc;
inline constexpr size_t kCsumType = 0xc4;
inline constexpr size_t kRootLevel = 0xc6;
inline constexpr size_t kChunkRootLevel = 0xc7;
inline constexpr size_t kDevItem = 0xc9;  // struct btrfs_dev_item; devid is its first field
inline constexpr size_t kMetadataUuid = 0x23b;
inline constexpr size_t kSysChunkArray = 0x32b;
inline constexpr size_t kSysChunkArrayMax = 2048;
}  // namespace sb

inline constexpr std::uint16_t kCsumCrc32c = 0;
inline constexpr std::uint16_t kCsumXxhash = 1;
inline constexpr std::uint16_t kCsumSha256 = 2;
inline constexpr std::uint16_t kCsumBlake2 = 3;
inline constexpr size_t kCsumBytes = 32;  // the checksum field; crc32c uses the first 4

// Incompatible features. Those not listed in kKnownIncompat change the layout in ways this
// reader does not understand, so such a filesystem is refused.
namespace incompat {
inline constexpr std::uint64_t kMixedBackref = 1ULL << 0;
inline constexpr std::uint64_t kDefaultSubvol = 1ULL << 1;
inline constexpr std::uint64_t kMixedGroups = 1ULL << 2;
inline constexpr std::uint64_t kCompressLzo = 1ULL << 3;
inline constexpr std::uint64_t kCompressZstd = 1ULL << 4;
inline constexpr std::uint64_t kBigMetadata = 1ULL << 5;
inline constexpr std::uint64_t kExtendedIref = 1ULL << 6;
inline constexpr std::uint64_t kRaid56 = 1ULL << 7;
inline constexpr std::uint64_t kSkinnyMetadata = 1ULL << 8;
inline constexpr std::uint64_t kNoHoles = 1ULL << 9;
inline constexpr std::uint64_t kMetadataUuid = 1ULL << 10;
inline constexpr std::uint64_t kRaid1c34 = 1ULL << 11;
inline constexpr std::uint64_t kZoned = 1ULL << 12;
inline constexpr std::uint64_t kKnown =
    kMixedBackref | kDefaultSubvol | kMixedGroups | kCompressLzo | kCompressZstd | kBigMetadata |
    kExtendedIref | kRaid56 | kSkinnyMetadata | kNoHoles | kMetadataUuid | kRaid1c34 | kZoned;
}  // namespace incompat

// Tree node header (struct btrfs_header), then items (leaf) or key pointers (node).
namespace node {
inline constexpr size_t kCsum = 0x00;
inline constexpr size_t kFsid = 0x20;
inline constexpr size_t kBytenr = 0x30;
inline constexpr size_t kGeneration = 0x50;
inline constexpr size_t kOwner = 0x58;
inline constexpr size_t kNritems = 0x60;
inline constexpr size_t kLevel = 0x64;
inline constexpr size_t kHeaderBytes = 0x65;
inline constexpr size_t kItemBytes = 25;    // key, data offset u32 (from header end), size u32
inline constexpr size_t kKeyPtrBytes = 33;  // key, child bytenr u64, generation u64
inline constexpr unsigned kMaxLevel = 7;    // BTRFS_MAX_LEVEL is 8 levels: 0..7
}  // namespace node

inline constexpr size_t kKeyBytes = 17;

// Item types (the key's middle byte).
namespace item {
inline constexpr std::uint8_t kInodeItem = 1;
inline constexpr std::uint8_t kInodeRef = 12;
inline constexpr std::uint8_t kInodeExtref = 13;
inline constexpr std::uint8_t kXattrItem = 24;
inline constexpr std::uint8_t kDirItem = 84;
inline constexpr std::uint8_t kDirIndex = 96;
inline constexpr std::uint8_t kExtentData = 108;
inline constexpr std::uint8_t kRootItem = 132;
inline constexpr std::uint8_t kRootRef = 156;
inline constexpr std::uint8_t kChunkItem = 228;
}  // namespace item

// Well-known object ids.
namespace objectid {
inline constexpr std::uint64_t kRootTree = 1;
inline constexpr std::uint64_t kFsTree = 5;
inline constexpr std::uint64_t kRootTreeDir = 6;
inline constexpr std::uint64_t kFirstFree = 256;  // first inode of a subvolume: its root dir
inline constexpr std::uint64_t kFirstChunkTree = 256;
inline constexpr std::uint64_t kLastFree = 0xffffffffffffff00ULL;  // highest subvolume id
}  // namespace objectid

// Block group (chunk) type bits: what it holds, and how it is spread over devices.
namespace chunk_type {
inline constexpr std::uint64_t kData = 1;
inline constexpr std::uint64_t kSystem = 2;
inline constexpr std::uint64_t kMetadata = 4;
inline constexpr std::uint64_t kRaid0 = 8;
inline constexpr std::uint64_t kRaid1 = 16;
inline constexpr std::uint64_t kDup = 32;
inline constexpr std::uint64_t kRaid10 = 64;
inline constexpr std::uint64_t kRaid5 = 128;
inline constexpr std::uint64_t kRaid6 = 256;
inline constexpr std::uint64_t kRaid1c3 = 512;
inline constexpr std::uint64_t kRaid1c4 = 1024;
inline constexpr std::uint64_t kProfileMask =
    kRaid0 | kRaid1 | kDup | kRaid10 | kRaid5 | kRaid6 | kRaid1c3 | kRaid1c4;
}  // namespace chunk_type
// struct btrfs_chunk, followed by num_stripes struct btrfs_stripe.
namespace chunk {
inline constexpr size_t kLength = 0;
inline constexpr size_t kType = 24;
inline constexpr size_t kNumStripes = 44;
inline constexpr size_t kBytes = 48;
inline constexpr size_t kStripeDevid = 0;
inline constexpr size_t kStripeOffset = 8;
inline constexpr size_t kStripeBytes = 32;
}  // namespace chunk

// struct btrfs_inode_item.
namespace inode {
inline constexpr size_t kSize = 16;
inline constexpr size_t kNlink = 40;
inline constexpr size_t kUid = 44;
inline constexpr size_t kGid = 48;
inline constexpr size_t kMode = 52;
inline constexpr size_t kRdev = 56;
inline constexpr size_t kFlags = 64;
inline constexpr size_t kCtime = 124;  // struct btrfs_timespec: seconds u64, nanoseconds u32
inline constexpr size_t kMtime = 136;
inline constexpr size_t kBytes = 160;
}  // namespace inode

// struct btrfs_dir_item (also the XATTR_ITEM payload): location key, transid, data and name
// lengths, type; then the name, then the data (an xattr's value).
namespace dir {
inline constexpr size_t kLocation = 0;
inline constexpr size_t kDataLen = 25;
inline constexpr size_t kNameLen = 27;
inline constexpr size_t kType = 29;
inline constexpr size_t kBytes = 30;
}  // namespace dir

// struct btrfs_file_extent_item.
namespace extent {
inline constexpr size_t kRamBytes = 8;
inline constexpr size_t kCompression = 16;
inline constexpr size_t kEncryption = 17;
inline constexpr size_t kOtherEncoding = 18;
inline constexpr size_t kType = 20;
inline constexpr size_t kInlineData = 21;
inline constexpr size_t kDiskBytenr = 21;
inline constexpr size_t kDiskNumBytes = 29;
inline constexpr size_t kOffset = 37;
inline constexpr size_t kNumBytes = 45;
inline constexpr size_t kRegularBytes = 53;
inline constexpr std::uint8_t kTypeInline = 0;
inline constexpr std::uint8_t kTypeRegular = 1;
inline constexpr std::uint8_t kTypePrealloc = 2;
}  // namespace extent

// struct btrfs_root_item: an inode item, then these.
namespace root {
inline constexpr size_t kRootDirid = 168;
inline constexpr size_t kBytenr = 176;
inline constexpr size_t kLevel = 238;
inline constexpr size_t kMinBytes = 239;  // up to `level`; older items end soon after
}  // namespace root

// A tree key, ordered by (objectid, type, offset) as the trees sort them.
struct Key {
  std::uint64_t objectid = 0;
  std::uint8_t type = 0;
  std::uint64_t offset = 0;
  friend bool operator==(const Key&, const Key&) = default;
  friend bool operator<(const Key& a, const Key& b) {
    if (a.objectid != b.objectid) return a.objectid < b.objectid;
    if (a.type != b.type) return a.type < b.type;
    return a.offset < b.offset;
  }
};
inline Key ReadKey(Bytes b, size_t at) { return Key{Le64(b, at), b[at + 8], Le64(b, at + 9)}; }

}  // namespace virdomm::monitor::btrfs
