// Values stored out of line in XFS fork blocks: long symlink targets and remote xattr values.
// On v5 filesystems each block starts with a header (magic, offset, bytes, crc, owner) that is
// checked; on v4 the blocks hold the raw bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/xfs_bmap.h"

namespace virdomm::monitor {

// Reads `length` bytes that start at fork block `first_block`, mapped through `extents`.
// `magic` is xfs::kSymlinkRemoteMagic or xfs::kAttrRemoteMagic. Throws XfsFileError on damage.
std::string ReadXfsRemoteValue(const XfsVolume& volume, const std::vector<XfsExtent>& extents,
                               std::uint64_t first_block, size_t length, std::uint32_t magic,
                               std::uint64_t owner);

}  // namespace virdomm::monitor
