// The XFS on-disk layout the reader needs: magic numbers, feature bits and byte offsets of the
// superblock, inode core, btree, directory, xattr and log structures (all big-endian except the
// crc32c fields, which are stored little-endian). Spelled here once so the parsers share them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace virdomm::monitor::xfs {

// Superblock (struct xfs_dsb), at byte 0 of the volume.
inline constexpr std::uint32_t kSbMagic = 0x58465342;  // "XFSB"
inline constexpr size_t kSbBlockSize = 4;
inline constexpr size_t kSbDataBlocks = 8;
inline constexpr size_t kSbUuid = 32;
inline constexpr size_t kSbLogStart = 48;
inline constexpr size_t kSbRootIno = 56;
inline constexpr size_t kSbAgBlocks = 84;
inline constexpr size_t kSbAgCount = 88;
inline constexpr size_t kSbLogBlocks = 96;
inline constexpr size_t kSbVersion = 100;
inline constexpr size_t kSbSectSize = 102;
inline constexpr size_t kSbInodeSize = 104;
inline constexpr size_t kSbInoPerBlock = 106;
inline constexpr size_t kSbBlockLog = 120;
inline constexpr size_t kSbInodeLog = 122;
inline constexpr size_t kSbInoPerBlockLog = 123;
inline constexpr size_t kSbAgBlockLog = 124;
inline constexpr size_t kSbInProgress = 126;
inline constexpr size_t kSbDirBlockLog = 192;
inline constexpr size_t kSbFeatures2 = 200;
inline constexpr size_t kSbFeaturesIncompat = 216;
inline constexpr size_t kSbCrc = 224;
inline constexpr size_t kSbMetaUuid = 248;
inline constexpr size_t kSbBytes = 264;

inline constexpr std::uint16_t kVersionNumberMask = 0x000f;
inline constexpr std::uint16_t kVersionMoreBits = 0x8000;
inline constexpr std::uint32_t kFeatures2Ftype = 0x200;
// v5 incompatible features this reader understands; any other bit refuses the volume.
inline constexpr std::uint32_t kIncompatFtype = 0x1;
inline constexpr std::uint32_t kIncompatSparseInodes = 0x2;
inline constexpr std::uint32_t kIncompatMetaUuid = 0x4;
inline constexpr std::uint32_t kIncompatBigtime = 0x8;
inline constexpr std::uint32_t kIncompatNeedsRepair = 0x10;
inline constexpr std::uint32_t kIncompatNrext64 = 0x20;
inline constexpr std::uint32_t kIncompatExchangeRange = 0x40;
inline constexpr std::uint32_t kIncompatParent = 0x80;
inline constexpr std::uint32_t kIncompatKnown =
    kIncompatFtype | kIncompatSparseInodes | kIncompatMetaUuid | kIncompatBigtime |
    kIncompatNeedsRepair | kIncompatNrext64 | kIncompatExchangeRange | kIncompatParent;

// Inode core (struct xfs_dinode).
inline constexpr std::uint16_t kInodeMagic = 0x494e;  // "IN"
inline constexpr size_t kDiMode = 2;
inline constexpr size_t kDiVersion = 4;
inline constexpr size_t kDiFormat = 5;
inline constexpr size_t kDiOldLinks = 6;
inline constexpr size_t kDiUid = 8;
inline constexpr size_t kDiGid = 12;
inline constexpr size_t kDiLinks = 16;
inline constexpr size_t kDiBigExtents = 24;  // 64-bit data extent count with nrext64
inline constexpr size_t kDiMtime = 40;
inline constexpr size_t kDiCtime = 48;
inline constexpr size_t kDiSize = 56;
inline constexpr size_t kDiExtents = 76;      // 32-bit data (or, with nrext64, attr) count
inline constexpr size_t kDiAttrExtents = 80;  // 16-bit attr extent count without nrext64
inline constexpr size_t kDiForkOffset = 82;
inline constexpr size_t kDiAttrFormat = 83;
inline constexpr size_t kDiFlags = 90;
inline constexpr size_t kDiCrc = 100;
inline constexpr size_t kDiFlags2 = 120;
inline constexpr size_t kDiIno = 152;
inline constexpr size_t kCoreBytesV2 = 100;
inline constexpr size_t kCoreBytesV3 = 176;

inline constexpr std::uint8_t kFormatDevice = 0;
inline constexpr std::uint8_t kFormatLocal = 1;
inline constexpr std::uint8_t kFormatExtents = 2;
inline constexpr std::uint8_t kFormatBtree = 3;
inline constexpr std::uint16_t kDiFlagRealtime = 0x1;
inline constexpr std::uint64_t kDiFlag2Bigtime = 0x8;
inline constexpr std::uint64_t kDiFlag2Nrext64 = 0x10;
// bigtime counts nanoseconds from 1901-12-13 (the smallest 32-bit time_t).
inline constexpr std::int64_t kBigtimeEpochOffset = std::int64_t{1} << 31;

// One extent record (struct xfs_bmbt_rec): 128 bits, two big-endian words.
inline constexpr size_t kExtentRecordBytes = 16;
// Long-format btree block headers (bmap btree): "BMAP" (v4) and "BMA3" (v5 with crc).
inline constexpr std::uint32_t kBmapMagic = 0x424d4150;
inline constexpr std::uint32_t kBmapCrcMagic = 0x424d4133;
inline constexpr size_t kLongBlockBytesV4 = 24;
inline constexpr size_t kLongBlockBytesV5 = 72;
inline constexpr size_t kLongBlockCrc = 64;
inline constexpr size_t kLongBlockLevel = 4;
inline constexpr size_t kLongBlockNumRecs = 6;
inline constexpr size_t kLongBlockOwner = 56;
// The root of a bmap btree in an inode fork (struct xfs_bmdr_block): level, numrecs, keys, ptrs.
inline constexpr size_t kBmdrHeaderBytes = 4;

// Directories (version 2 format).
inline constexpr std::uint32_t kDirBlockMagicV4 = 0x58443242;  // "XD2B": single-block directory
inline constexpr std::uint32_t kDirDataMagicV4 = 0x58443244;   // "XD2D": data block
inline constexpr std::uint32_t kDirBlockMagicV5 = 0x58444233;  // "XDB3"
inline constexpr std::uint32_t kDirDataMagicV5 = 0x58444433;   // "XDD3"
inline constexpr size_t kDirDataHeaderV4 = 16;
inline constexpr size_t kDirDataHeaderV5 = 64;
inline constexpr size_t kDir3Crc = 4;
inline constexpr size_t kDir3Owner = 40;
inline constexpr size_t kDirBlockTailBytes = 8;
inline constexpr size_t kDirLeafEntryBytes = 8;
inline constexpr std::uint16_t kDirFreeTag = 0xffff;
// Data blocks live below 32 GiB of the directory's logical space; leaf and free index above.
inline constexpr std::uint64_t kDirLeafOffset = std::uint64_t{1} << 35;

// Extended attributes.
inline constexpr std::uint8_t kAttrLocal = 0x01;
inline constexpr std::uint8_t kAttrRoot = 0x02;    // "trusted." namespace
inline constexpr std::uint8_t kAttrSecure = 0x04;  // "security." namespace
inline constexpr std::uint8_t kAttrParent = 0x08;  // parent pointer: not a user-visible xattr
inline constexpr std::uint8_t kAttrIncomplete = 0x80;
inline constexpr std::uint16_t kAttrLeafMagicV4 = 0xfbee;
inline constexpr std::uint16_t kAttrLeafMagicV5 = 0x3bee;
inline constexpr std::uint16_t kDaNodeMagicV4 = 0xfebe;
inline constexpr std::uint16_t kDaNodeMagicV5 = 0x3ebe;
inline constexpr size_t kDaInfoForward = 0;
inline constexpr size_t kDaInfoMagic = 8;
inline constexpr size_t kDa3InfoCrc = 12;
inline constexpr size_t kDa3InfoOwner = 48;
inline constexpr size_t kDaNodeHeaderV4 = 16;  // blkinfo, count, level
inline constexpr size_t kDaNodeHeaderV5 = 64;
inline constexpr size_t kDaNodeCountV4 = 12;
inline constexpr size_t kDaNodeCountV5 = 56;
inline constexpr size_t kAttrLeafHeaderV4 = 32;
inline constexpr size_t kAttrLeafHeaderV5 = 80;
inline constexpr size_t kAttrLeafCountV4 = 12;
inline constexpr size_t kAttrLeafCountV5 = 56;
inline constexpr size_t kAttrLeafEntryBytes = 8;
// Remote value and remote symlink blocks of v5 filesystems start with a checked header.
inline constexpr std::uint32_t kAttrRemoteMagic = 0x5841524d;     // "XARM"
inline constexpr std::uint32_t kSymlinkRemoteMagic = 0x58534c4d;  // "XSLM"
inline constexpr size_t kRemoteHeaderBytes = 56;
inline constexpr size_t kRemoteOffset = 4;
inline constexpr size_t kRemoteBytes = 8;
inline constexpr size_t kRemoteCrc = 12;
inline constexpr size_t kRemoteOwner = 32;
// The names XFS stores POSIX ACLs under, in the "trusted" namespace and its own format.
inline constexpr char kAclAccessName[] = "SGI_ACL_FILE";
inline constexpr char kAclDefaultName[] = "SGI_ACL_DEFAULT";

// The log: 512-byte basic blocks, record headers start with this magic.
inline constexpr std::uint32_t kLogRecordMagic = 0xfeedbabe;
inline constexpr size_t kLogBasicBlock = 512;
inline constexpr std::uint8_t kLogUnmountTrans = 0x20;

}  // namespace virdomm::monitor::xfs
