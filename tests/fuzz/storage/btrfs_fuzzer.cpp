// libFuzzer target: a btrfs image through the whole reader and hasher. The input is compact:
// records of (u32 block number, u16 length, bytes) placed into a 16 MiB image of 4 KiB blocks,
// so a seed holds only the non-zero blocks of a real image (make-btrfs-corpus.sh). Before the
// scan, the superblock's and every node's checksum is recomputed wherever the bytes look like
// a node of this filesystem, so mutations reach the parsers behind the checksums.
#include <ext2fs/ext2fs.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/unique_handle.h"
#include "storage/rules.h"
#include "storage/storage_scan.h"

namespace {

constexpr size_t kBlock = 4096;
constexpr size_t kImageBytes = 16U << 20;
constexpr size_t kSuperblock = 64U << 10;

void FixCrc(std::uint8_t* block, size_t size) {
  std::uint32_t crc = ~ext2fs_crc32c_le(~0U, block + 32, static_cast<unsigned>(size - 32));
  for (int i = 0; i < 4; ++i) block[i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

std::uint32_t Le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const virdomm::monitor::RuleSet kRules =
      virdomm::monitor::RuleSet::Parse("/ R+sha512\n", "fuzz");
  // One zeroed image kept across runs; only the blocks a run touched are written and cleared.
  static std::vector<std::uint8_t> image(kImageBytes, 0);
  std::vector<size_t> touched;
  for (size_t at = 0; size - at >= 6;) {
    size_t block = Le32(data + at) % (kImageBytes / kBlock);
    size_t length = std::min<size_t>(data[at + 4] | (data[at + 5] << 8), kBlock);
    at += 6;
    length = std::min(length, size - at);
    std::memcpy(image.data() + block * kBlock, data + at, length);
    touched.push_back(block);
    at += length;
  }
  touched.push_back(kSuperblock / kBlock);  // its checksum is written below in any case
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  std::uint8_t* super = image.data() + kSuperblock;
  if (super[0xc4] == 0 && super[0xc5] == 0) {  // crc32c filesystems only: fix their checksums
    std::uint32_t node_size = Le32(super + 0x94);
    if (node_size >= kBlock && node_size <= 65536 && (node_size & (node_size - 1)) == 0) {
      for (size_t block : touched) {
        size_t at = block * kBlock;
        if (at != kSuperblock && at + node_size <= image.size() &&
            std::memcmp(image.data() + at + 32, super + 32, 16) == 0) {
          FixCrc(image.data() + at, node_size);
        }
      }
    }
    FixCrc(super, 4096);
  }
  virdomm::UniqueFd fd(memfd_create("fuzz-btrfs", MFD_CLOEXEC));
  bool written = fd.Valid() && ftruncate(fd.Get(), kImageBytes) == 0;
  for (size_t block : touched) {
    written = written && pwrite(fd.Get(), image.data() + block * kBlock, kBlock,
                                static_cast<off_t>(block * kBlock)) == kBlock;
  }
  for (size_t block : touched) std::memset(image.data() + block * kBlock, 0, kBlock);
  if (!written) return 0;
  virdomm::monitor::SourceSpec spec;
  spec.image = "/proc/self/fd/" + std::to_string(fd.Get());
  virdomm::monitor::ScanOptions options;
  options.workers = 1;
  options.limits.max_depth = 64;
  options.limits.max_files = 20000;
  options.limits.max_dir_entries = 20000;
  options.limits.max_file_size = 4 << 20;
  options.limits.max_xattr_bytes = 64 << 10;
  try {
    virdomm::monitor::ScanSource(spec, kRules, options);
  } catch (const virdomm::Error&) {
    // A refused image is a correct outcome.
  }
  return 0;
}
