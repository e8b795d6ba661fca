// The journal inode's blocks, mapped with ext2fs_bmap2 and read through the filesystem's own
// (read-only) I/O channel, feed the JBD2 parser.
#include "storage/ext_journal.h"

#include <algorithm>
#include <string>

namespace virdomm::monitor {

JournalReplay ReplayExtJournal(ext2_filsys fs, const JournalLimits& limits) {
  JournalReplay refused;
  refused.usable = false;
  ext2_super_block* super = fs->super;
  ext2_ino_t ino = super->s_journal_inum;
  bool has_uuid = std::any_of(std::begin(super->s_journal_uuid), std::end(super->s_journal_uuid),
                              [](unsigned char c) { return c != 0; });
  if (ino == 0 && (has_uuid || super->s_journal_dev != 0)) {
    refused.warnings.push_back(
        "the journal is on an external device, which is not read; its transactions are not "
        "replayed");
    return refused;
  }
  if (ino == 0 || ino > super->s_inodes_count) {
    refused.warnings.push_back("no journal inode (s_journal_inum " + std::to_string(ino) +
                               "); the journal is not replayed");
    return refused;
  }
  ext2_inode inode{};
  if (ext2fs_read_inode(fs, ino, &inode) != 0) {
    refused.warnings.push_back("journal inode " + std::to_string(ino) + " cannot be read");
    return refused;
  }
  std::uint64_t blocks_count = ext2fs_blocks_count(super);
  std::uint64_t journal_blocks =
      std::min<std::uint64_t>(EXT2_I_SIZE(&inode) / fs->blocksize, blocks_count);
  // The parser asks for one block at a time; each is mapped through the inode's block map and
  // must lie inside the filesystem.
  JournalBlockReader read = [&](std::uint64_t index, std::uint8_t* out) {
    blk64_t physical = 0;
    if (ext2fs_bmap2(fs, ino, &inode, nullptr, 0, index, nullptr, &physical) != 0 ||
        physical == 0 || physical >= blocks_count) {
      return false;
    }
    return io_channel_read_blk64(fs->io, physical, 1, out) == 0;
  };
  return ReplayJournal(fs->blocksize, journal_blocks, blocks_count, read, limits);
}

}  // namespace virdomm::monitor
