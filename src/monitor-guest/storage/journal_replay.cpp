// JBD2 recovery in memory, after the kernel's three passes: SCAN finds the last committed
// transaction, REVOKE collects revoke records, REPLAY keeps the newest copy of every block that
// no later-or-same revoke cancels. Bounded by one lap of the log and by JournalLimits.
#include "storage/journal_replay.h"

#include <ext2fs/ext2fs.h>

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "storage/jbd2_format.h"

namespace virdomm::monitor {
namespace {

using namespace jbd2;  // the on-disk names, in this file only

struct Tag {
  std::uint64_t fs_block = 0;
  std::uint64_t journal_block = 0;
  bool escaped = false;
};

struct Transaction {
  std::uint32_t sequence = 0;
  std::vector<Tag> tags;
  std::vector<std::uint64_t> revoked;
};

// The kernel's tid_gt/tid_geq: sequence numbers wrap at 2^32.
bool SequenceAtLeast(std::uint32_t x, std::uint32_t y) {
  return static_cast<std::int32_t>(x - y) >= 0;
}

std::uint32_t Crc32c(std::uint32_t seed, const std::uint8_t* data, size_t size) {
  return ext2fs_crc32c_le(seed, data, size);
}

class Scanner {
 public:
  Scanner(std::uint32_t block_size, std::uint64_t journal_blocks, std::uint64_t fs_blocks,
          const JournalBlockReader& read, const JournalLimits& limits, JournalReplay& out)
      : block_size_(block_size),
        journal_blocks_(journal_blocks),
        fs_blocks_(fs_blocks),
        read_(read),
        limits_(limits),
        out_(out),
        block_(block_size),
        data_(block_size) {}

  void Run();

 private:
  bool ReadSuperblock();
  void Scan();
  void Replay();
  bool Read(std::uint64_t index, std::vector<std::uint8_t>& into);
  std::uint64_t Next(std::uint64_t index) const {
    return index + 1 >= log_end_ ? first_ : index + 1;
  }
  bool Checksums() const { return (incompat_ & (kIncompatCsumV2 | kIncompatCsumV3)) != 0; }
  bool TailChecksumOk(std::vector<std::uint8_t>& block) const;
  // The current block's tail checksum, or a stop that names `kind` and the transaction.
  bool BlockTailHolds(const std::string& where, const char* kind);
  bool ReadDescriptor(Transaction& transaction);
  bool ReadRevoke(Transaction& transaction);
  bool CommitOk();
  void Stop(const std::string& why) { out_.warnings.push_back("journal: " + why); }

  std::uint32_t block_size_;
  std::uint64_t journal_blocks_;
  std::uint64_t fs_blocks_;
  const JournalBlockReader& read_;
  const JournalLimits& limits_;
  JournalReplay& out_;
  std::vector<std::uint8_t> block_;
  std::vector<std::uint8_t> data_;
  std::uint64_t first_ = 0;
  std::uint64_t log_end_ = 0;  // exclusive: the fast-commit area, if any, lies beyond it
  std::uint64_t position_ = 0;
  std::uint64_t visited_ = 0;  // blocks of the log read so far: at most one lap
  std::uint32_t sequence_ = 0;
  std::uint32_t incompat_ = 0;
  std::uint32_t seed_ = 0;
  std::uint64_t tags_ = 0;
  std::uint64_t revoke_records_ = 0;
  std::vector<Transaction> committed_;
};

bool Scanner::Read(std::uint64_t index, std::vector<std::uint8_t>& into) {
  if (index >= journal_blocks_ || !read_(index, into.data())) {
    Stop("block " + std::to_string(index) + " cannot be read");
    return false;
  }
  return true;
}

bool Scanner::ReadSuperblock() {
  if (block_size_ < kSbBytes || block_size_ > 65536 || journal_blocks_ < 2) {
    out_.usable = false;
    Stop("too small, or block size " + std::to_string(block_size_) + " unsupported");
    return false;
  }
  if (!Read(0, block_)) {
    out_.usable = false;
    return false;
  }
  const std::uint8_t* sb = block_.data();
  std::uint32_t type = Be32(sb + kHeaderType);
  if (Be32(sb + kHeaderMagic) != kMagic || (type != kSuperblockV1 && type != kSuperblockV2)) {
    out_.usable = false;
    Stop("no JBD2 superblock in the journal inode; not replayed");
    return false;
  }
  if (Be32(sb + kSbBlockSize) != block_size_) {
    out_.usable = false;
    Stop("block size " + std::to_string(Be32(sb + kSbBlockSize)) +
         " differs from the filesystem's; not replayed");
    return false;
  }
  std::uint64_t max_len = Be32(sb + kSbMaxLen);
  first_ = Be32(sb + kSbFirst);
  sequence_ = Be32(sb + kSbSequence);
  std::uint64_t start = Be32(sb + kSbStart);
  incompat_ = type == kSuperblockV2 ? Be32(sb + kSbFeatureIncompat) : 0;
  if (start == 0) {
    out_.clean = true;
    return false;
  }
  if ((incompat_ & ~kKnownIncompat) != 0) {
    out_.usable = false;
    char hex[16];
    (void)std::snprintf(hex, sizeof hex, "%#x", incompat_ & ~kKnownIncompat);
    Stop(std::string("unknown incompatible journal features ") + hex + "; not replayed");
    return false;
  }
  if (Checksums()) {
    std::uint32_t stored = Be32(sb + kSbChecksum);
    std::vector<std::uint8_t> copy(sb, sb + kSbBytes);
    std::fill(copy.begin() + kSbChecksum, copy.begin() + kSbChecksum + 4, 0);
    if (sb[kSbChecksumType] != kChecksumTypeCrc32c ||
        Crc32c(~0U, copy.data(), kSbBytes) != stored) {
      out_.usable = false;
      Stop("superblock checksum mismatch; not replayed");
      return false;
    }
    seed_ = Crc32c(~0U, sb + kSbUuid, 16);
  }
  log_end_ = max_len;
  if ((incompat_ & kIncompatFastCommit) != 0) {
    std::uint64_t fc = Be32(sb + kSbNumFcBlocks);
    if (fc == 0) fc = kDefaultFcBlocks;
    log_end_ = max_len > fc ? max_len - fc : 0;
    out_.warnings.push_back("journal: fast commits are not replayed (" + std::to_string(fc) +
                            "-block fast-commit area); changes recorded only there may be missed");
  }
  if (max_len > journal_blocks_ || first_ == 0 || first_ >= log_end_ || start < first_ ||
      start >= log_end_) {
    out_.usable = false;
    Stop("superblock geometry is invalid (first " + std::to_string(first_) + ", start " +
         std::to_string(start) + ", length " + std::to_string(max_len) + " of " +
         std::to_string(journal_blocks_) + " blocks); not replayed");
    return false;
  }
  position_ = start;
  return true;
}

bool Scanner::TailChecksumOk(std::vector<std::uint8_t>& block) const {
  if (!Checksums()) return true;
  std::uint8_t* tail = block.data() + block_size_ - kTailBytes;
  std::uint32_t stored = Be32(tail);
  std::uint8_t saved[kTailBytes];
  std::copy(tail, tail + kTailBytes, saved);
  std::fill(tail, tail + kTailBytes, 0);
  bool ok = Crc32c(seed_, block.data(), block_size_) == stored;
  std::copy(saved, saved + kTailBytes, tail);
  return ok;
}

bool Scanner::BlockTailHolds(const std::string& where, const char* kind) {
  if (TailChecksumOk(block_)) return true;
  Stop(where + ": " + kind + " block checksum mismatch; replay ends before it");
  return false;
}

bool Scanner::ReadDescriptor(Transaction& transaction) {
  std::string where = "transaction " + std::to_string(sequence_);
  if (!BlockTailHolds(where, "descriptor")) return false;
  bool csum3 = (incompat_ & kIncompatCsumV3) != 0;
  bool csum2 = (incompat_ & kIncompatCsumV2) != 0;
  bool wide = (incompat_ & kIncompat64Bit) != 0;
  size_t tag_bytes = csum3 ? 16 : 12 + (csum2 ? 2 : 0) - (wide ? 0 : 4);
  size_t end = block_size_ - (Checksums() ? kTailBytes : 0);
  std::vector<std::uint8_t> descriptor = block_;  // data blocks are read into block_ below
  std::uint64_t data_position = position_;
  for (size_t offset = kHeaderBytes; offset + tag_bytes <= end;) {
    const std::uint8_t* tag = descriptor.data() + offset;
    std::uint64_t number = Be32(tag);
    std::uint32_t flags = csum3 ? Be32(tag + 4) : Be16(tag + 6);
    if (wide) number |= std::uint64_t{Be32(tag + 8)} << 32;
    std::uint32_t checksum = csum3 ? Be32(tag + 12) : Be16(tag + 4);
    offset += tag_bytes + ((flags & kFlagSameUuid) != 0 ? 0 : 16);
    data_position = Next(data_position);
    if (++visited_ > log_end_ - first_) {
      Stop(where + ": descriptor runs past the end of the log (torn); replay ends before it");
      return false;
    }
    if (++tags_ > limits_.max_tags) {
      Stop("more than " + std::to_string(limits_.max_tags) + " block tags; replay ends at " +
           where);
      return false;
    }
    if (number >= fs_blocks_) {
      Stop(where + ": block " + std::to_string(number) +
           " lies outside the filesystem; replay ends before it");
      return false;
    }
    if (csum2 || csum3) {
      if (!Read(data_position, data_)) return false;
      std::uint8_t sequence[4] = {
          static_cast<std::uint8_t>(sequence_ >> 24), static_cast<std::uint8_t>(sequence_ >> 16),
          static_cast<std::uint8_t>(sequence_ >> 8), static_cast<std::uint8_t>(sequence_)};
      std::uint32_t crc = Crc32c(Crc32c(seed_, sequence, 4), data_.data(), block_size_);
      if ((csum3 ? crc : (crc & 0xFFFFU)) != checksum) {
        Stop(where + ": checksum mismatch of the copy of block " + std::to_string(number) +
             "; replay ends before it");
        return false;
      }
    }
    transaction.tags.push_back(Tag{number, data_position, (flags & kFlagEscape) != 0});
    if ((flags & kFlagLastTag) != 0) break;
  }
  position_ = data_position;
  return true;
}

bool Scanner::ReadRevoke(Transaction& transaction) {
  std::string where = "transaction " + std::to_string(sequence_);
  if (!BlockTailHolds(where, "revoke")) return false;
  std::uint64_t count = Be32(block_.data() + kRevokeCount);
  size_t record = (incompat_ & kIncompat64Bit) != 0 ? 8 : 4;
  if (count < kRevokeHeaderBytes || count > block_size_ - (Checksums() ? kTailBytes : 0)) {
    Stop(where + ": revoke block claims " + std::to_string(count) +
         " bytes; replay ends before it");
    return false;
  }
  for (size_t offset = kRevokeHeaderBytes; offset + record <= count; offset += record) {
    if (++revoke_records_ > limits_.max_revoke_records) {
      Stop("more than " + std::to_string(limits_.max_revoke_records) +
           " revoke records; replay ends before " + where);
      return false;
    }
    const std::uint8_t* p = block_.data() + offset;
    transaction.revoked.push_back(record == 8 ? Be64(p) : Be32(p));
  }
  return true;
}

bool Scanner::CommitOk() {
  if (!Checksums()) return true;
  std::uint8_t* field = block_.data() + kCommitChecksum;
  std::uint32_t stored = Be32(field);
  std::fill(field, field + 4, 0);
  return Crc32c(seed_, block_.data(), block_size_) == stored;
}

void Scanner::Scan() {
  Transaction current{sequence_, {}, {}};
  bool open = false;  // `current` has blocks but no commit yet
  while (visited_ < log_end_ - first_) {
    if (!Read(position_, block_)) return;
    ++visited_;
    const std::uint8_t* header = block_.data();
    if (Be32(header + kHeaderMagic) != kMagic || Be32(header + kHeaderSequence) != sequence_) {
      break;  // the end of the log: an older lap's block or unused space
    }
    std::uint32_t type = Be32(header + kHeaderType);
    if (type == kDescriptorBlock) {
      open = true;
      if (!ReadDescriptor(current)) return;
      position_ = Next(position_);
    } else if (type == kRevokeBlock) {
      open = true;
      if (!ReadRevoke(current)) return;
      position_ = Next(position_);
    } else if (type == kCommitBlock) {
      if (!CommitOk()) {
        Stop("transaction " + std::to_string(sequence_) +
             ": commit block checksum mismatch; replay ends before it");
        return;
      }
      committed_.push_back(std::move(current));
      open = false;
      if (committed_.size() >= limits_.max_transactions) {
        Stop("more than " + std::to_string(limits_.max_transactions) +
             " transactions; replay ends after transaction " + std::to_string(sequence_));
        return;
      }
      ++sequence_;
      current = Transaction{sequence_, {}, {}};
      position_ = Next(position_);
    } else {
      Stop("transaction " + std::to_string(sequence_) + ": unknown block type " +
           std::to_string(type) + "; replay ends before it");
      return;
    }
  }
  if (open) {
    Stop("transaction " + std::to_string(sequence_) +
         " has no commit block (torn or still being written); replay ends before it");
  }
}

void Scanner::Replay() {
  // REVOKE: the newest revoking transaction of each block.
  std::unordered_map<std::uint64_t, std::uint32_t> revoked;
  for (const Transaction& transaction : committed_) {
    for (std::uint64_t block : transaction.revoked) {
      auto [it, inserted] = revoked.try_emplace(block, transaction.sequence);
      if (!inserted && SequenceAtLeast(transaction.sequence, it->second)) {
        it->second = transaction.sequence;
      }
    }
  }
  // REPLAY: a block is written unless a revoke of the same or a later transaction cancels it;
  // the newest copy wins. Only positions are kept until the memory bound is checked.
  std::map<std::uint64_t, const Tag*> newest;
  for (const Transaction& transaction : committed_) {
    for (const Tag& tag : transaction.tags) {
      auto it = revoked.find(tag.fs_block);
      if (it != revoked.end() && SequenceAtLeast(it->second, transaction.sequence)) continue;
      newest[tag.fs_block] = &tag;
    }
  }
  if (newest.size() > limits_.max_overlay_bytes / block_size_) {
    out_.usable = false;
    Stop("replay would keep " + std::to_string(newest.size()) + " blocks (" +
         std::to_string(newest.size() * block_size_ >> 20) + " MiB) in memory, over the " +
         std::to_string(limits_.max_overlay_bytes >> 20) + " MiB bound; not replayed");
    return;
  }
  for (const auto& [fs_block, tag] : newest) {
    if (!Read(tag->journal_block, data_)) {
      out_.usable = false;
      out_.blocks.clear();
      return;
    }
    if (tag->escaped) {
      for (int i = 0; i < 4; ++i) data_[i] = static_cast<std::uint8_t>(kMagic >> (24 - 8 * i));
    }
    out_.blocks.emplace(fs_block, std::string(data_.begin(), data_.end()));
  }
  out_.transactions = committed_.size();
}

void Scanner::Run() {
  if (!ReadSuperblock()) return;
  Scan();
  Replay();
}

}  // namespace

JournalReplay ReplayJournal(std::uint32_t block_size, std::uint64_t journal_blocks,
                            std::uint64_t fs_blocks, const JournalBlockReader& read,
                            const JournalLimits& limits) {
  JournalReplay out;
  Scanner(block_size, journal_blocks, fs_blocks, read, limits, out).Run();
  return out;
}

}  // namespace virdomm::monitor
