// crc32c through libext2fs (already linked for ext) and SHA-256 through core/digest.
#include "storage/btrfs_checksum.h"

#include <ext2fs/ext2fs.h>

#include <array>
#include <cstring>

#include "core/digest.h"

namespace virdomm::monitor::btrfs {

bool ChecksumSupported(std::uint16_t csum_type) {
  return csum_type == kCsumCrc32c || csum_type == kCsumSha256;
}

const char* ChecksumName(std::uint16_t csum_type) {
  switch (csum_type) {
    case kCsumCrc32c:
      return "crc32c";
    case kCsumXxhash:
      return "xxhash64";
    case kCsumSha256:
      return "sha256";
    case kCsumBlake2:
      return "blake2b";
    default:
      return "unknown";
  }
}

bool ChecksumMatches(std::uint16_t csum_type, Bytes block) {
  if (block.size() <= kCsumBytes) return false;
  Bytes covered = block.subspan(kCsumBytes);
  if (csum_type == kCsumCrc32c) {
    // libext2fs returns the raw register; btrfs stores its complement, little-endian.
    std::uint32_t crc =
        ~ext2fs_crc32c_le(~0U, covered.data(), static_cast<unsigned>(covered.size()));
    return Le32(block, 0) == crc;
  }
  if (csum_type == kCsumSha256) {
    Digest digest = Sha256Of(covered);
    return std::memcmp(digest.data(), block.data(), digest.size()) == 0;
  }
  return false;
}

}  // namespace virdomm::monitor::btrfs
