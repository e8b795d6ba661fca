// Finds the internal journal of an open ext3/ext4 filesystem and replays it in memory.
#pragma once

#include <ext2fs/ext2fs.h>

#include "storage/journal_replay.h"

namespace virdomm::monitor {

// Reads the journal inode (s_journal_inum) through `fs`, block by block as its block map says.
// An external journal, a missing or unmappable journal inode, or a log that cannot be replayed
// come back with `usable == false` and a warning.
JournalReplay ReplayExtJournal(ext2_filsys fs, const JournalLimits& limits = {});

}  // namespace virdomm::monitor
