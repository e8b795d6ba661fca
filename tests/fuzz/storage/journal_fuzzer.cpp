// libFuzzer target: arbitrary bytes as an ext4 journal (journal block 0 at byte 0) through the
// JBD2 parser with small limits. The block size is the one the journal superblock claims, when
// it is one ext4 uses, so real journals serve as seeds. Any crash, hang or leak is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "storage/jbd2_format.h"
#include "storage/journal_replay.h"

using virdomm::monitor::JournalLimits;
using virdomm::monitor::ReplayJournal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint32_t block_size = 1024;
  if (size >= 16) {
    std::uint32_t claimed = virdomm::monitor::jbd2::Be32(data + 12);
    if (claimed == 2048 || claimed == 4096) block_size = claimed;
  }
  // A seed is the head of a real journal: blocks past the input read as zeros, up to the length
  // its superblock claims (capped), so its geometry stays valid.
  std::uint64_t available = size / block_size;
  std::uint64_t blocks = available;
  if (size >= 20) {
    blocks = std::max<std::uint64_t>(available, virdomm::monitor::jbd2::Be32(data + 16));
    blocks = std::min<std::uint64_t>(blocks, 1 << 16);
  }
  JournalLimits limits;
  limits.max_overlay_bytes = 1 << 20;
  limits.max_transactions = 1000;
  limits.max_revoke_records = 10000;
  limits.max_tags = 10000;
  auto read = [&](std::uint64_t index, std::uint8_t* out) {
    if (index >= blocks) return false;
    if (index >= available) {
      std::memset(out, 0, block_size);
      return true;
    }
    std::memcpy(out, data + index * block_size, block_size);
    return true;
  };
  (void)ReplayJournal(block_size, blocks, 1 << 16, read, limits);
  return 0;
}
