// The JBD2 parser over synthesized journals: every tag format, revoke, escape, wrap-around,
// checksums, torn transactions, bounds and garbage.
#include <ext2fs/ext2fs.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "storage/jbd2_format.h"
#include "storage/journal_replay.h"

namespace virdomm::monitor {
namespace {

using Block = std::vector<std::uint8_t>;

void Put32(Block& b, size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
void Put16(Block& b, size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
std::uint32_t Crc(std::uint32_t seed, const std::uint8_t* p, size_t n) {
  return ext2fs_crc32c_le(seed, p, n);
}

struct Write {
  std::uint64_t fs_block;
  std::uint8_t fill;        // the block's bytes
  bool magic_head = false;  // the block starts with the JBD2 magic: must be escaped
};

// Writes a journal the way the kernel's commit code lays it out.
class JournalBuilder {
 public:
  JournalBuilder(std::uint32_t incompat, std::uint32_t length = 64, std::uint32_t start = 1,
                 std::uint32_t sequence = 10)
      : incompat_(incompat), blocks_(length, Block(kBs, 0)), position_(start), length_(length) {
    Block& sb = blocks_[0];
    Put32(sb, 0, jbd2::kMagic);
    Put32(sb, 4, jbd2::kSuperblockV2);
    Put32(sb, jbd2::kSbBlockSize, kBs);
    Put32(sb, jbd2::kSbMaxLen, length);
    Put32(sb, jbd2::kSbFirst, 1);
    Put32(sb, jbd2::kSbSequence, sequence);
    Put32(sb, jbd2::kSbStart, start);
    Put32(sb, jbd2::kSbFeatureIncompat, incompat);
    for (int i = 0; i < 16; ++i) sb[jbd2::kSbUuid + i] = static_cast<std::uint8_t>(0xA0 + i);
    sb[jbd2::kSbChecksumType] = jbd2::kChecksumTypeCrc32c;
    seed_ = Crc(~0U, sb.data() + jbd2::kSbUuid, 16);
    SealSuperblock();
  }

  void SealSuperblock() {
    Block& sb = blocks_[0];
    Put32(sb, jbd2::kSbChecksum, 0);
    if (Csum()) Put32(sb, jbd2::kSbChecksum, Crc(~0U, sb.data(), jbd2::kSbBytes));
  }

  // One transaction: a descriptor with `writes`, their data blocks, a revoke block if `revoked`
  // is not empty, and a commit block unless `commit` is false.
  void Transaction(std::uint32_t sequence, const std::vector<Write>& writes,
                   const std::vector<std::uint64_t>& revoked = {}, bool commit = true) {
    if (!writes.empty()) Descriptor(sequence, writes);
    if (!revoked.empty()) Revoke(sequence, revoked);
    if (commit) Commit(sequence);
  }

  std::uint32_t Next() {
    std::uint32_t at = position_;
    position_ = position_ + 1 >= length_ ? 1 : position_ + 1;
    return at;
  }

  JournalReplay Replay(std::uint64_t fs_blocks = 1ULL << 40, const JournalLimits& limits = {}) {
    return ReplayJournal(
        kBs, blocks_.size(), fs_blocks,
        [this](std::uint64_t index, std::uint8_t* out) {
          std::copy(blocks_[index].begin(), blocks_[index].end(), out);
          return true;
        },
        limits);
  }

  static constexpr std::uint32_t kBs = 1024;
  std::uint32_t incompat_;
  std::vector<Block> blocks_;
  std::vector<std::uint32_t> commit_at_;  // journal block of each commit block
  std::vector<std::uint32_t> data_at_;    // journal block of each data block
  std::uint32_t position_;
  std::uint32_t length_;
  std::uint32_t seed_ = 0;

 private:
  [[nodiscard]] bool Csum() const {
    return (incompat_ & (jbd2::kIncompatCsumV2 | jbd2::kIncompatCsumV3)) != 0;
  }
  void Header(Block& b, std::uint32_t type, std::uint32_t sequence) {
    Put32(b, 0, jbd2::kMagic);
    Put32(b, 4, type);
    Put32(b, 8, sequence);
  }
  void Tail(Block& b) {
    if (Csum()) Put32(b, kBs - 4, Crc(seed_, b.data(), kBs));
  }

  void Descriptor(std::uint32_t sequence, const std::vector<Write>& writes) {
    bool v3 = (incompat_ & jbd2::kIncompatCsumV3) != 0;
    bool v2 = (incompat_ & jbd2::kIncompatCsumV2) != 0;
    bool wide = (incompat_ & jbd2::kIncompat64Bit) != 0;
    size_t tag_bytes = v3 ? 16 : 12 + (v2 ? 2 : 0) - (wide ? 0 : 4);
    std::uint32_t at = Next();
    Block d(kBs, 0);
    Header(d, jbd2::kDescriptorBlock, sequence);
    size_t offset = jbd2::kHeaderBytes;
    for (size_t i = 0; i < writes.size(); ++i) {
      Block data(kBs, writes[i].fill);
      std::uint32_t flags = i == 0 ? 0 : jbd2::kFlagSameUuid;  // the first tag carries a UUID
      if (i + 1 == writes.size()) flags |= jbd2::kFlagLastTag;
      if (writes[i].magic_head) {
        Put32(data, 0, 0);  // the kernel zeroes the magic in the journal copy
        flags |= jbd2::kFlagEscape;
      }
      std::uint8_t seq[4] = {
          static_cast<std::uint8_t>(sequence >> 24), static_cast<std::uint8_t>(sequence >> 16),
          static_cast<std::uint8_t>(sequence >> 8), static_cast<std::uint8_t>(sequence)};
      std::uint32_t crc = Crc(Crc(seed_, seq, 4), data.data(), kBs);
      auto number = writes[i].fs_block;
      Put32(d, offset, static_cast<std::uint32_t>(number));
      if (v3) {
        Put32(d, offset + 4, flags);
        Put32(d, offset + 8, static_cast<std::uint32_t>(number >> 32));
        Put32(d, offset + 12, crc);
      } else {
        Put16(d, offset + 4, v2 ? static_cast<std::uint16_t>(crc) : 0);
        Put16(d, offset + 6, static_cast<std::uint16_t>(flags));
        if (wide) Put32(d, offset + 8, static_cast<std::uint32_t>(number >> 32));
      }
      offset += tag_bytes + ((flags & jbd2::kFlagSameUuid) != 0 ? 0 : 16);
      std::uint32_t data_block = Next();
      data_at_.push_back(data_block);
      blocks_[data_block] = data;
    }
    Tail(d);
    blocks_[at] = d;
  }

  void Revoke(std::uint32_t sequence, const std::vector<std::uint64_t>& revoked) {
    bool wide = (incompat_ & jbd2::kIncompat64Bit) != 0;
    Block r(kBs, 0);
    Header(r, jbd2::kRevokeBlock, sequence);
    size_t offset = jbd2::kRevokeHeaderBytes;
    for (std::uint64_t block : revoked) {
      if (wide) {
        Put32(r, offset, static_cast<std::uint32_t>(block >> 32));
        Put32(r, offset + 4, static_cast<std::uint32_t>(block));
        offset += 8;
      } else {
        Put32(r, offset, static_cast<std::uint32_t>(block));
        offset += 4;
      }
    }
    Put32(r, jbd2::kRevokeCount, static_cast<std::uint32_t>(offset));
    Tail(r);
    blocks_[Next()] = r;
  }

  void Commit(std::uint32_t sequence) {
    Block c(kBs, 0);
    Header(c, jbd2::kCommitBlock, sequence);
    if (Csum()) Put32(c, jbd2::kCommitChecksum, Crc(seed_, c.data(), kBs));
    std::uint32_t at = Next();
    commit_at_.push_back(at);
    blocks_[at] = c;
  }
};

std::string Filled(std::uint8_t fill) {
  return std::string(JournalBuilder::kBs, static_cast<char>(fill));
}

class TagFormats : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(TagFormats, ReplaysCommittedTransactionsNewestCopyWinning) {
  std::uint32_t incompat = GetParam();
  bool wide = (incompat & jbd2::kIncompat64Bit) != 0;
  std::uint64_t high = wide ? (5ULL << 32) : 0;
  JournalBuilder journal(incompat);
  journal.Transaction(10, {{100, 0x11}, {high + 7, 0x22}});
  journal.Transaction(11, {{100, 0x33}, {101, 0x44}});
  JournalReplay replay = journal.Replay();
  EXPECT_TRUE(replay.usable);
  EXPECT_TRUE(replay.warnings.empty()) << replay.warnings.front();
  EXPECT_EQ(replay.transactions, 2U);
  ASSERT_EQ(replay.blocks.size(), 3U);
  EXPECT_EQ(replay.blocks.at(100), Filled(0x33));
  EXPECT_EQ(replay.blocks.at(101), Filled(0x44));
  EXPECT_EQ(replay.blocks.at(high + 7), Filled(0x22));
}

INSTANTIATE_TEST_SUITE_P(AllTagSizes, TagFormats,
                         ::testing::Values(0U, jbd2::kIncompat64Bit, jbd2::kIncompatCsumV2,
                                           jbd2::kIncompatCsumV2 | jbd2::kIncompat64Bit,
                                           jbd2::kIncompatCsumV3,
                                           jbd2::kIncompatCsumV3 | jbd2::kIncompat64Bit,
                                           jbd2::kIncompatRevoke | jbd2::kIncompat64Bit |
                                               jbd2::kIncompatCsumV3));

constexpr std::uint32_t kV3 = jbd2::kIncompatRevoke | jbd2::kIncompat64Bit | jbd2::kIncompatCsumV3;

TEST(JournalReplay, CleanJournalHasNothingToReplay) {
  JournalBuilder journal(kV3, 64, 0);
  JournalReplay replay = journal.Replay();
  EXPECT_TRUE(replay.clean);
  EXPECT_TRUE(replay.blocks.empty());
  EXPECT_TRUE(replay.warnings.empty());
}

TEST(JournalReplay, RevokeCancelsEarlierAndSameTransactionsOnly) {
  for (std::uint32_t incompat : {jbd2::kIncompatRevoke, kV3}) {
    JournalBuilder journal(incompat);
    journal.Transaction(10, {{5, 0x01}, {6, 0x02}, {7, 0x03}}, {7});  // 7 revoked by itself
    journal.Transaction(11, {{8, 0x04}}, {5});                        // 5 revoked later
    journal.Transaction(12, {{5, 0x05}});  // written again after the revoke: replayed
    journal.Transaction(13, {}, {6});      // a revoke-only transaction
    JournalReplay replay = journal.Replay();
    EXPECT_EQ(replay.transactions, 4U);
    EXPECT_EQ(replay.blocks.count(7), 0U);
    EXPECT_EQ(replay.blocks.count(6), 0U);
    ASSERT_EQ(replay.blocks.count(5), 1U);
    EXPECT_EQ(replay.blocks.at(5), Filled(0x05));
    EXPECT_EQ(replay.blocks.at(8), Filled(0x04));
  }
}

TEST(JournalReplay, RevokeOfAnUncommittedTransactionIsIgnored) {
  JournalBuilder journal(kV3);
  journal.Transaction(10, {{5, 0x01}});
  journal.Transaction(11, {}, {5}, /*commit=*/false);
  JournalReplay replay = journal.Replay();
  EXPECT_EQ(replay.transactions, 1U);
  EXPECT_EQ(replay.blocks.count(5), 1U);
  ASSERT_EQ(replay.warnings.size(), 1U);
  EXPECT_NE(replay.warnings[0].find("no commit block"), std::string::npos);
}

TEST(JournalReplay, EscapedBlocksGetTheirMagicBack) {
  JournalBuilder journal(kV3);
  journal.Transaction(10, {{9, 0x5A, true}});
  JournalReplay replay = journal.Replay();
  ASSERT_EQ(replay.blocks.count(9), 1U);
  std::string want = Filled(0x5A);
  want.replace(0, 4, "\xC0\x3B\x39\x98");
  EXPECT_EQ(replay.blocks.at(9), want);
}

TEST(JournalReplay, LogWrapsAroundTheEndOfTheJournal) {
  JournalBuilder journal(kV3, 12, 8);               // blocks 8..11, then 1..
  journal.Transaction(10, {{1, 0x01}, {2, 0x02}});  // descriptor 8, data 9 10, commit 11
  journal.Transaction(11, {{3, 0x03}, {1, 0x04}});  // descriptor 1, data 2 3, commit 4
  ASSERT_EQ(journal.commit_at_.back(), 4U);
  JournalReplay replay = journal.Replay();
  EXPECT_TRUE(replay.warnings.empty()) << replay.warnings.front();
  EXPECT_EQ(replay.transactions, 2U);
  EXPECT_EQ(replay.blocks.at(1), Filled(0x04));
  EXPECT_EQ(replay.blocks.at(2), Filled(0x02));
  EXPECT_EQ(replay.blocks.at(3), Filled(0x03));
}

TEST(JournalReplay, StaleBlocksOfAnOlderLapEndTheLog) {
  JournalBuilder journal(kV3, 12, 1, 20);
  journal.Transaction(20, {{1, 0x01}});
  journal.Transaction(21, {{2, 0x02}});
  // Blocks 7.. still hold transaction 5 of an earlier lap.
  JournalBuilder old(kV3, 12, 7, 5);
  old.Transaction(5, {{3, 0x03}});
  for (std::uint32_t i = 7; i < 10; ++i) journal.blocks_[i] = old.blocks_[i];
  JournalReplay replay = journal.Replay();
  EXPECT_TRUE(replay.warnings.empty());
  EXPECT_EQ(replay.transactions, 2U);
  EXPECT_EQ(replay.blocks.count(3), 0U);
}

TEST(JournalReplay, BadDataChecksumEndsReplayBeforeThatTransaction) {
  for (std::uint32_t incompat : {kV3, jbd2::kIncompatCsumV2}) {
    JournalBuilder journal(incompat);
    journal.Transaction(10, {{1, 0x01}});
    journal.Transaction(11, {{2, 0x02}, {1, 0x03}});
    journal.Transaction(12, {{3, 0x04}});
    journal.blocks_[journal.data_at_[2]][100] ^= 1;  // transaction 11's copy of block 1
    JournalReplay replay = journal.Replay();
    EXPECT_TRUE(replay.usable);
    EXPECT_EQ(replay.transactions, 1U);
    EXPECT_EQ(replay.blocks.at(1), Filled(0x01));
    EXPECT_EQ(replay.blocks.count(2), 0U);
    ASSERT_EQ(replay.warnings.size(), 1U);
    EXPECT_NE(replay.warnings[0].find("transaction 11: checksum mismatch"), std::string::npos)
        << replay.warnings[0];
  }
}

TEST(JournalReplay, BadCommitOrDescriptorChecksumEndsReplay) {
  JournalBuilder commit(kV3);
  commit.Transaction(10, {{1, 0x01}});
  commit.Transaction(11, {{2, 0x02}});
  commit.blocks_[commit.commit_at_[1]][200] ^= 1;
  JournalReplay replay = commit.Replay();
  EXPECT_EQ(replay.transactions, 1U);
  EXPECT_EQ(replay.blocks.count(2), 0U);
  ASSERT_EQ(replay.warnings.size(), 1U);
  EXPECT_NE(replay.warnings[0].find("commit block checksum"), std::string::npos);

  JournalBuilder descriptor(kV3);
  descriptor.Transaction(10, {{1, 0x01}});
  descriptor.blocks_[1][500] ^= 1;
  replay = descriptor.Replay();
  EXPECT_EQ(replay.transactions, 0U);
  EXPECT_TRUE(replay.blocks.empty());
  ASSERT_EQ(replay.warnings.size(), 1U);
  EXPECT_NE(replay.warnings[0].find("descriptor block checksum"), std::string::npos);
}

TEST(JournalReplay, BadSuperblockChecksumRefusesTheJournal) {
  JournalBuilder journal(kV3);
  journal.Transaction(10, {{1, 0x01}});
  journal.blocks_[0][0x40] ^= 1;
  JournalReplay replay = journal.Replay();
  EXPECT_FALSE(replay.usable);
  EXPECT_TRUE(replay.blocks.empty());
}

TEST(JournalReplay, TornTransactionIsDroppedWithAWarning) {
  JournalBuilder journal(kV3);
  journal.Transaction(10, {{1, 0x01}});
  journal.Transaction(11, {{1, 0x02}, {2, 0x03}}, {}, /*commit=*/false);
  JournalReplay replay = journal.Replay();
  EXPECT_EQ(replay.transactions, 1U);
  EXPECT_EQ(replay.blocks.at(1), Filled(0x01));
  EXPECT_EQ(replay.blocks.count(2), 0U);
  ASSERT_EQ(replay.warnings.size(), 1U);
  EXPECT_NE(replay.warnings[0].find("transaction 11 has no commit block"), std::string::npos);
}

TEST(JournalReplay, CommitWithTheWrongSequenceIsNoCommit) {
  JournalBuilder journal(0);
  journal.Transaction(10, {{1, 0x01}}, {}, false);
  journal.Transaction(11, {});  // commit block of 11 where 10's belongs
  JournalReplay replay = journal.Replay();
  EXPECT_EQ(replay.transactions, 0U);
  EXPECT_TRUE(replay.blocks.empty());
  EXPECT_EQ(replay.warnings.size(), 1U);
}

TEST(JournalReplay, BlocksOutsideTheFilesystemEndReplay) {
  JournalBuilder journal(kV3);
  journal.Transaction(10, {{1, 0x01}});
  journal.Transaction(11, {{5000, 0x02}});
  JournalReplay replay = journal.Replay(/*fs_blocks=*/4096);
  EXPECT_EQ(replay.transactions, 1U);
  ASSERT_EQ(replay.warnings.size(), 1U);
  EXPECT_NE(replay.warnings[0].find("outside the filesystem"), std::string::npos);
}

TEST(JournalReplay, MemoryBoundGivesUpTheWholeReplay) {
  JournalBuilder journal(kV3);
  journal.Transaction(10, {{1, 0x01}, {2, 0x02}, {3, 0x03}});
  JournalLimits limits;
  limits.max_overlay_bytes = 2 * JournalBuilder::kBs;
  JournalReplay replay = journal.Replay(1ULL << 40, limits);
  EXPECT_FALSE(replay.usable);
  EXPECT_TRUE(replay.blocks.empty());
  ASSERT_EQ(replay.warnings.size(), 1U);
  EXPECT_NE(replay.warnings[0].find("MiB bound"), std::string::npos);
}

TEST(JournalReplay, TransactionCapStopsAfterTheLastAllowed) {
  JournalBuilder journal(kV3);
  for (std::uint32_t s = 10; s < 15; ++s) journal.Transaction(s, {{s, 0x01}});
  JournalLimits limits;
  limits.max_transactions = 3;
  JournalReplay replay = journal.Replay(1ULL << 40, limits);
  EXPECT_EQ(replay.transactions, 3U);
  EXPECT_EQ(replay.blocks.size(), 3U);
}

TEST(JournalReplay, SuperblockV1AndFastCommitArea) {
  JournalBuilder v1(0);
  Put32(v1.blocks_[0], 4, jbd2::kSuperblockV1);
  Put32(v1.blocks_[0], jbd2::kSbFeatureIncompat, jbd2::kIncompatCsumV3);  // ignored in v1
  v1.Transaction(10, {{1, 0x01}});
  EXPECT_EQ(v1.Replay().transactions, 1U);

  JournalBuilder fc(kV3 | jbd2::kIncompatFastCommit, 64);
  Put32(fc.blocks_[0], jbd2::kSbNumFcBlocks, 16);
  fc.SealSuperblock();
  fc.Transaction(10, {{1, 0x01}});
  JournalReplay replay = fc.Replay();
  EXPECT_EQ(replay.transactions, 1U);
  ASSERT_EQ(replay.warnings.size(), 1U);
  EXPECT_NE(replay.warnings[0].find("fast commits are not replayed"), std::string::npos);
}

TEST(JournalReplay, GeometryOutsideTheJournalIsRefused) {
  JournalBuilder journal(0, 16);
  Put32(journal.blocks_[0], jbd2::kSbMaxLen, 1000);
  EXPECT_FALSE(journal.Replay().usable);
  JournalBuilder start(0, 16, 20);
  EXPECT_FALSE(start.Replay().usable);
}

TEST(JournalReplay, GarbageNeverHangsOrCrashes) {
  std::mt19937 random(42);
  for (int round = 0; round < 300; ++round) {
    JournalBuilder journal(round % 2 == 0 ? kV3 : 0, 32);
    for (std::uint32_t s = 10; s < 13; ++s) journal.Transaction(s, {{s, 0x01}, {s + 1, 0x02}});
    for (int flips = 0; flips < 40; ++flips) {
      auto& block = journal.blocks_[1 + random() % 31];
      block[random() % block.size()] = static_cast<std::uint8_t>(random());
    }
    if (round % 3 == 0) {  // descriptor blocks everywhere with the same sequence
      for (std::uint32_t i = 1; i < 32; ++i) journal.blocks_[i] = journal.blocks_[1];
    }
    JournalReplay replay = journal.Replay(1 << 20);
    EXPECT_LE(replay.transactions, 3U);
    EXPECT_LE(replay.blocks.size(), 31U);
  }
}

}  // namespace
}  // namespace virdomm::monitor
