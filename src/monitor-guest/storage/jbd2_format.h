// JBD2 on-disk layout (the ext4 journal), as the kernel's include/linux/jbd2.h defines it. Every
// field is big-endian. libext2fs-dev installs no kernel-jbd.h, so the offsets are spelled here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace virdomm::monitor::jbd2 {

inline constexpr std::uint32_t kMagic = 0xC03B3998U;

// Block header (12 bytes): magic, block type, transaction sequence.
inline constexpr size_t kHeaderMagic = 0;
inline constexpr size_t kHeaderType = 4;
inline constexpr size_t kHeaderSequence = 8;
inline constexpr size_t kHeaderBytes = 12;

enum BlockType : std::uint32_t {
  kDescriptorBlock = 1,
  kCommitBlock = 2,
  kSuperblockV1 = 3,
  kSuperblockV2 = 4,
  kRevokeBlock = 5,
};

// Journal superblock, at the start of journal block 0.
inline constexpr size_t kSbBlockSize = 0x0C;
inline constexpr size_t kSbMaxLen = 0x10;  // blocks in the journal, the superblock included
inline constexpr size_t kSbFirst = 0x14;   // first block of the log
inline constexpr size_t kSbSequence = 0x18;
inline constexpr size_t kSbStart = 0x1C;  // 0: the journal is clean
inline constexpr size_t kSbFeatureCompat = 0x24;
inline constexpr size_t kSbFeatureIncompat = 0x28;
inline constexpr size_t kSbUuid = 0x30;
inline constexpr size_t kSbChecksumType = 0x50;  // one byte
inline constexpr size_t kSbNumFcBlocks = 0x54;
inline constexpr size_t kSbChecksum = 0xFC;
inline constexpr size_t kSbBytes = 1024;  // sizeof(journal_superblock_t): the checksummed span

inline constexpr std::uint32_t kCompatChecksum = 0x1;  // v1 commit checksums (not verified)
inline constexpr std::uint32_t kIncompatRevoke = 0x1;
inline constexpr std::uint32_t kIncompat64Bit = 0x2;
inline constexpr std::uint32_t kIncompatAsyncCommit = 0x4;
inline constexpr std::uint32_t kIncompatCsumV2 = 0x8;
inline constexpr std::uint32_t kIncompatCsumV3 = 0x10;
inline constexpr std::uint32_t kIncompatFastCommit = 0x20;
inline constexpr std::uint32_t kKnownIncompat = kIncompatRevoke | kIncompat64Bit |
                                                kIncompatAsyncCommit | kIncompatCsumV2 |
                                                kIncompatCsumV3 | kIncompatFastCommit;
inline constexpr std::uint8_t kChecksumTypeCrc32c = 4;
inline constexpr std::uint32_t kDefaultFcBlocks = 256;  // s_num_fc_blks == 0

// Descriptor block tags. journal_block_tag3_t (CSUM_V3, 16 bytes): blocknr, flags (32 bit),
// blocknr_high, checksum. journal_block_tag_t otherwise: blocknr, checksum (16 bit), flags
// (16 bit), blocknr_high; 12 bytes with 64BIT, 8 without, 2 more with CSUM_V2.
inline constexpr std::uint32_t kFlagEscape = 1;    // the block began with kMagic, now zeroed
inline constexpr std::uint32_t kFlagSameUuid = 2;  // no 16-byte UUID follows the tag
inline constexpr std::uint32_t kFlagDeleted = 4;   // unused by the kernel
inline constexpr std::uint32_t kFlagLastTag = 8;

// Descriptor and revoke blocks end in a 4-byte checksum tail with CSUM_V2/V3.
inline constexpr size_t kTailBytes = 4;
// Commit block: checksum type and size bytes, padding, then h_chksum[8]; [0] holds crc32c.
inline constexpr size_t kCommitChecksum = 16;
// Revoke block: header, r_count (bytes used, header included), then 4- or 8-byte records.
inline constexpr size_t kRevokeCount = 12;
inline constexpr size_t kRevokeHeaderBytes = 16;

inline std::uint32_t Be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline std::uint16_t Be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint64_t Be64(const std::uint8_t* p) {
  return (std::uint64_t{Be32(p)} << 32) | Be32(p + 4);
}

}  // namespace virdomm::monitor::jbd2
