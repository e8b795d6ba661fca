// Replays the committed transactions of a JBD2 journal (ext3/ext4) into memory: the result is
// the set of filesystem blocks the kernel's recovery would write, with their contents. Nothing
// is written anywhere; the parser takes its blocks from a reader and trusts none of them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace virdomm::monitor {

struct JournalLimits {
  std::uint64_t max_overlay_bytes = 256ULL << 20;  // replayed block contents kept in memory
  std::uint64_t max_transactions = 1'000'000;
  // Positions are kept for every tag and revoke record before the replay: 24 and 8 bytes each.
  std::uint64_t max_revoke_records = 2'000'000;
  std::uint64_t max_tags = 2'000'000;  // block tags over the whole log
};

// Reads journal block `index` (0 is the journal superblock; block size as the filesystem's) into
// `out`. Returns false if the block cannot be read.
using JournalBlockReader = std::function<bool(std::uint64_t index, std::uint8_t* out)>;

struct JournalReplay {
  std::map<std::uint64_t, std::string> blocks;  // filesystem block -> its contents after replay
  std::uint64_t transactions = 0;               // committed transactions applied
  std::vector<std::string> warnings;  // torn or corrupt log, limits, features not replayed
  bool usable = true;  // false: the journal could not be replayed at all (see warnings)
  bool clean = false;  // s_start == 0: nothing to replay
};

// `journal_blocks`: blocks the journal inode maps; `fs_blocks`: the filesystem's block count
// (tags naming blocks past it are corruption). The log ends at the first block that is not the
// expected next one; a transaction counts only when its commit block is present and valid.
JournalReplay ReplayJournal(std::uint32_t block_size, std::uint64_t journal_blocks,
                            std::uint64_t fs_blocks, const JournalBlockReader& read,
                            const JournalLimits& limits = {});

}  // namespace virdomm::monitor
