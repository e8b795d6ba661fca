// XFS log head search and unmount-record test, bounded to a few megabytes of reads.
#include "storage/xfs_log.h"

#include <array>

#include "storage/big_endian.h"
#include "storage/xfs_format.h"

namespace virdomm::monitor {
namespace {

constexpr size_t kRecCycle = 4;
constexpr size_t kRecVersion = 8;
constexpr size_t kRecLength = 12;
constexpr size_t kRecNumLogOps = 40;
constexpr size_t kRecSize = 320;
constexpr std::uint32_t kRecVersion2 = 2;
constexpr std::uint32_t kHeaderCycleSize = 32 * 1024;
constexpr size_t kOpFlags = 9;
// The last record starts at most one maximal iclog (256 KiB plus headers) before the head.
constexpr std::uint64_t kMaxBackwardBlocks = 1024;

class LogReader {
 public:
  LogReader(const XfsVolume& volume, std::uint64_t start, std::uint64_t blocks)
      : volume_(volume), start_(start), blocks_(blocks) {}

  std::array<std::uint8_t, xfs::kLogBasicBlock> Block(std::uint64_t index) const {
    std::array<std::uint8_t, xfs::kLogBasicBlock> bytes{};
    volume_.ReadVolume(start_ + (index % blocks_) * xfs::kLogBasicBlock, bytes.data(),
                       bytes.size());
    return bytes;
  }
  // Data blocks carry the cycle in their first word; record headers start with the magic and
  // keep the cycle in h_cycle.
  std::uint32_t Cycle(std::uint64_t index) const {
    std::array<std::uint8_t, xfs::kLogBasicBlock> bytes = Block(index);
    std::uint32_t first = LoadBe32(bytes.data());
    return first == xfs::kLogRecordMagic ? LoadBe32(bytes.data() + kRecCycle) : first;
  }
  [[nodiscard]] std::uint64_t Blocks() const { return blocks_; }

 private:
  const XfsVolume& volume_;
  std::uint64_t start_;
  std::uint64_t blocks_;
};

}  // namespace

XfsLogCheck CheckXfsLog(const XfsVolume& volume) {
  const XfsGeometry& g = volume.Geometry();
  XfsLogCheck check;
  if (g.log_start == 0) {
    check.reason = "the log is on an external device";
    return check;
  }
  try {
    std::uint64_t start = volume.BlockToVolumeByte(g.log_start, g.log_blocks);
    std::uint64_t blocks = std::uint64_t{g.log_blocks} * g.block_size / xfs::kLogBasicBlock;
    if (blocks < 2) throw XfsFileError("the log is too small");
    LogReader log(volume, start, blocks);
    std::uint32_t first_cycle = log.Cycle(0);
    std::uint32_t last_cycle = log.Cycle(blocks - 1);
    std::uint64_t head = blocks;  // first block of the older cycle; the end if none
    if (first_cycle != last_cycle) {
      // Blocks [0, head) carry first_cycle, [head, end) the previous one.
      std::uint64_t low = 0;
      std::uint64_t high = blocks - 1;
      while (high - low > 1) {
        std::uint64_t middle = low + (high - low) / 2;
        (log.Cycle(middle) == first_cycle ? low : high) = middle;
      }
      head = high;
    }
    std::uint32_t head_cycle = log.Cycle(head - 1);
    for (std::uint64_t back = 1; back <= std::min(kMaxBackwardBlocks, blocks); ++back) {
      std::uint64_t index = (head + blocks - back) % blocks;
      std::array<std::uint8_t, xfs::kLogBasicBlock> header = log.Block(index);
      if (LoadBe32(header.data()) != xfs::kLogRecordMagic ||
          LoadBe32(header.data() + kRecCycle) != head_cycle) {
        continue;
      }
      std::uint32_t version = LoadBe32(header.data() + kRecVersion);
      std::uint32_t iclog = LoadBe32(header.data() + kRecSize);
      std::uint64_t header_blocks = 1;
      if ((version & kRecVersion2) != 0 && iclog > kHeaderCycleSize) {
        header_blocks = (iclog + kHeaderCycleSize - 1) / kHeaderCycleSize;
      }
      if (header_blocks > 8 || LoadBe32(header.data() + kRecLength) == 0) {
        check.reason = "the last log record header is malformed";
        return check;
      }
      std::array<std::uint8_t, xfs::kLogBasicBlock> first_op = log.Block(index + header_blocks);
      bool unmount = LoadBe32(header.data() + kRecNumLogOps) == 1 &&
                     (first_op[kOpFlags] & xfs::kLogUnmountTrans) != 0;
      check.state = unmount ? XfsLogState::kClean : XfsLogState::kDirty;
      return check;
    }
    check.reason = "no log record found before the log head";
  } catch (const XfsFileError& error) {
    check.reason = error.what();
  }
  return check;
}

}  // namespace virdomm::monitor
