// ext2/3/4 walk over libext2fs: inodes, xattrs, symlinks and extent maps, with hostile-image
// bounds (depth, path length, entry counts, extent steps, directory loops).
#include "storage/ext_source.h"

extern "C" {
#include <et/com_err.h>
}
#include <ext2fs/ext2fs.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "storage/ext_journal.h"
#include "storage/ro_io_manager.h"

namespace virdomm::monitor {
namespace {

std::string Ext2Message(errcode_t code) {
  return std::string(error_message(code)) + " (" + std::to_string(code) + ")";
}

void CloseFs(struct_ext2_filsys* fs) { ext2fs_close_free(&fs); }
using FsPtr = UniqueHandle<struct_ext2_filsys, CloseFs>;
void FreeExtentHandle(ext2_extent_handle* handle) { ext2fs_extent_free(handle); }
using ExtentHandlePtr = UniqueHandle<ext2_extent_handle, FreeExtentHandle>;
void CloseXattrs(ext2_xattr_handle* handle) { ext2fs_xattrs_close(&handle); }
using XattrHandlePtr = UniqueHandle<ext2_xattr_handle, CloseXattrs>;

// A per-file failure: becomes FileRecord::error.
class FileProblem : public Error {
 public:
  using Error::Error;
};

struct DirEntry {
  std::string name;
  ext2_ino_t inode = 0;
};

class ExtWalker {
 public:
  ExtWalker(ImageFile& image, const ExtVolume& volume, const RuleSet& rules,
            const ScanLimits& limits, ScanResult& result, Progress& progress)
      : image_(image),
        volume_(volume),
        map_(volume.Map()),
        pieces_(volume.pieces.empty() ? nullptr : &map_),
        base_(volume.pieces.empty() ? volume.offset : 0),
        rules_(rules),
        limits_(limits),
        result_(result),
        progress_(progress) {}

  void Run();

 private:
  struct PendingDir {
    ext2_ino_t inode;
    std::string path;
    unsigned depth;
    size_t record_index;  // the directory's own record, or kNoRecord when not selected
  };
  static constexpr size_t kNoRecord = static_cast<size_t>(-1);

  void Open();
  ext2_filsys OpenFs(const BlockOverlay* overlay, errcode_t& rc) const;
  bool FitsVolume(ext2_filsys fs) const;
  void ReplayJournal();
  std::string GuestPath(const std::string& inner) const;
  void VisitEntry(ext2_ino_t inode, const std::string& inner_path, unsigned depth,
                  std::vector<PendingDir>& stack);
  std::vector<DirEntry> ListDirectory(ext2_ino_t inode, const std::string& path);
  void FillRecord(ext2_ino_t ino, const ext2_inode_large& inode, FileRecord& record);
  void ReadXattrs(ext2_ino_t ino, ext2_inode_large& inode, FileRecord& record);
  std::string ReadSymlink(ext2_ino_t ino, ext2_inode_large& inode);
  std::vector<Segment> MapContents(ext2_ino_t ino, ext2_inode_large& inode, std::uint64_t size);
  void PlanContents(ext2_ino_t ino, ext2_inode_large& inode, size_t record_index);
  void ChargeSteps(std::uint64_t steps);

  void AddToOverlay(std::uint64_t volume_offset, std::string bytes);

  ImageFile& image_;
  const ExtVolume& volume_;
  VolumeMap map_;
  const VolumeMap* pieces_;  // set for a logical volume of several segments, else null
  std::uint64_t base_;       // image byte of volume byte 0 when contiguous; 0 with pieces
  const RuleSet& rules_;
  const ScanLimits& limits_;
  ScanResult& result_;
  Progress& progress_;
  FsPtr fs_;
  std::uint64_t block_size_ = 0;
  std::uint64_t blocks_count_ = 0;
  std::uint64_t files_ = 0;
  std::uint64_t step_budget_ = 0;  // extent/block-map steps left for the whole volume
  std::unordered_map<ext2_ino_t, std::string> visited_dirs_;
  std::unordered_map<ext2_ino_t, size_t> job_of_inode_;  // hard links share one hashing job
  std::vector<char> inode_buffer_;  // one on-disk inode, at least sizeof(ext2_inode_large)
};

ext2_filsys ExtWalker::OpenFs(const BlockOverlay* overlay, errcode_t& rc) const {
  std::string name =
      ReadOnlyChannelName(image_.Fd(), volume_.offset, volume_.length, overlay, pieces_);
  ext2_filsys raw = nullptr;
  rc = ext2fs_open2(name.c_str(), nullptr, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP, 0, 0,
                    ReadOnlyIoManager(), &raw);
  return rc == 0 ? raw : nullptr;
}

bool ExtWalker::FitsVolume(ext2_filsys fs) const {
  return fs->blocksize > 0 && ext2fs_blocks_count(fs->super) <= volume_.length / fs->blocksize;
}

void ExtWalker::Open() {
  errcode_t rc = 0;
  ext2_filsys raw = OpenFs(nullptr, rc);
  if (rc != 0) {
    throw SourceError("cannot open an ext2/3/4 filesystem in " + volume_.label + " of " +
                      image_.Name() + ": " + Ext2Message(rc));
  }
  fs_.reset(raw);
  if (!FitsVolume(fs_.get())) {
    throw SourceError("filesystem in " + volume_.label + " claims " +
                      std::to_string(ext2fs_blocks_count(fs_->super)) + " blocks but only " +
                      std::to_string(volume_.length / fs_->blocksize) + " fit in it");
  }
  // After the size check: the replay must never place blocks outside this volume.
  if (ext2fs_has_feature_journal_needs_recovery(fs_->super)) ReplayJournal();
  block_size_ = fs_->blocksize;
  inode_buffer_.assign(std::max<size_t>(EXT2_INODE_SIZE(fs_->super), sizeof(ext2_inode_large)), 0);
  blocks_count_ = ext2fs_blocks_count(fs_->super);
  // Reserve for the inodes in use so the record vector is not regrown many times; the count
  // comes from an untrusted superblock, so the reservation is capped (growth handles the rest).
  std::uint64_t used_inodes = fs_->super->s_inodes_count -
                              std::min(fs_->super->s_inodes_count, fs_->super->s_free_inodes_count);
  used_inodes = std::min<std::uint64_t>({used_inodes, 1U << 16, volume_.length / 4096});
  result_.records.reserve(result_.records.size() + static_cast<size_t>(used_inodes));
  step_budget_ =
      4 * blocks_count_ + 4 * static_cast<std::uint64_t>(fs_->super->s_inodes_count) + (1U << 20);
}

// The kernel replays the journal at mount time; this does the same in memory, then reopens the
// filesystem through the overlay, because the superblock and group descriptors may be among
// the replayed blocks. Any failure leaves the image's own view with a warning.
void ExtWalker::ReplayJournal() {
  std::uint64_t fs_block_size = fs_->blocksize;
  std::uint64_t volume_end = volume_.offset + volume_.length;
  JournalReplay replay;
  if (ext2fs_has_feature_journal(fs_->super)) {
    replay = ReplayExtJournal(fs_.get());
  } else {
    replay.usable = false;
    replay.warnings.push_back("the filesystem needs recovery but has no journal");
  }
  for (const std::string& warning : replay.warnings) {
    result_.warnings.push_back(volume_.label + ": " + warning);
  }
  if (replay.clean) return;  // needs_recovery set, but the log holds nothing to replay
  if (replay.usable && !replay.blocks.empty()) {
    for (auto& [block, bytes] : replay.blocks) {
      AddToOverlay(block * fs_block_size, std::move(bytes));
    }
    errcode_t rc = 0;
    FsPtr replayed(OpenFs(&image_.Overlay(), rc));
    std::string problem;
    if (rc != 0) {
      problem = "cannot be opened (" + Ext2Message(rc) + ")";
    } else if (!FitsVolume(replayed.get())) {
      problem = "claims more blocks than the volume holds";
    }
    if (problem.empty()) {
      fs_ = std::move(replayed);
    } else {
      if (pieces_ == nullptr) {
        image_.Overlay().Erase(volume_.offset, volume_end);
      } else {
        for (const VolumePiece& piece : map_.Pieces()) {
          image_.Overlay().Erase(piece.image_offset, piece.image_offset + piece.length);
        }
      }
      result_.warnings.push_back(volume_.label + ": the filesystem after the journal replay " +
                                 problem + "; the journal is not replayed");
      replay.usable = false;
    }
  }
  if (!replay.usable) {
    result_.warnings.push_back(volume_.label +
                               ": the journal has unreplayed transactions (filesystem in use or "
                               "not cleanly unmounted); recent changes may not be visible");
    return;
  }
  result_.journal.replayed = true;
  result_.journal.transactions += replay.transactions;
  result_.journal.blocks += replay.blocks.size();
}

// A replayed block goes to the image bytes its volume bytes map to; on a logical volume a
// block may straddle two pieces, so each part is added on its own.
void ExtWalker::AddToOverlay(std::uint64_t volume_offset, std::string bytes) {
  if (pieces_ == nullptr) {
    image_.Overlay().Add(volume_.offset + volume_offset, std::move(bytes));
    return;
  }
  std::vector<Segment> parts;
  map_.AppendImageSegments(Segment{0, volume_offset, bytes.size()}, parts);
  for (const Segment& part : parts) {
    image_.Overlay().Add(part.physical, bytes.substr(part.logical, part.length));
  }
}

std::string ExtWalker::GuestPath(const std::string& inner) const {
  if (volume_.mount_prefix.empty()) return inner;
  return inner == "/" ? volume_.mount_prefix : volume_.mount_prefix + inner;
}

void ExtWalker::ChargeSteps(std::uint64_t steps) {
  if (steps > step_budget_) {
    throw SourceError(volume_.label +
                      ": block maps need more steps than the filesystem has blocks; the image "
                      "is corrupt or hostile");
  }
  step_budget_ -= steps;
}

struct ListContext {
  std::vector<DirEntry>* entries;
  std::uint64_t slots = 0;
  std::uint64_t max_slots = 0;
  bool too_many = false;
};

int CollectEntry(ext2_ino_t /*dir*/, int entry, struct ext2_dir_entry* dirent, int /*offset*/,
                 int /*blocksize*/, char* /*buf*/, void* priv) {
  auto* context = static_cast<ListContext*>(priv);
  if (++context->slots > context->max_slots) {
    context->too_many = true;
    return DIRENT_ABORT;
  }
  if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE || entry == DIRENT_CHECKSUM ||
      dirent->inode == 0) {
    return 0;
  }
  int length = ext2fs_dirent_name_len(dirent);
  std::string name(dirent->name, static_cast<size_t>(length));
  if (name == "." || name == "..") return 0;
  context->entries->push_back(DirEntry{std::move(name), dirent->inode});
  return 0;
}

std::vector<DirEntry> ExtWalker::ListDirectory(ext2_ino_t inode, const std::string& path) {
  std::vector<DirEntry> entries;
  ListContext context{&entries, 0, limits_.max_dir_entries, false};
  errcode_t rc = ext2fs_dir_iterate2(fs_.get(), inode, DIRENT_FLAG_INCLUDE_EMPTY, nullptr,
                                     CollectEntry, &context);
  ChargeSteps(context.slots);
  if (context.too_many) {
    throw FileProblem("directory has more than " + std::to_string(limits_.max_dir_entries) +
                      " entry slots; not listed");
  }
  if (rc != 0)
    throw FileProblem("cannot list directory (inode " + std::to_string(inode) + ", " + path +
                      "): " + Ext2Message(rc));
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

Timestamp DecodeTime(std::uint32_t base, std::uint32_t extra, bool has_extra) {
  Timestamp time;
  time.seconds = static_cast<std::int32_t>(base);
  if (has_extra) {
    time.seconds += static_cast<std::int64_t>(extra & 3U) << 32;
    time.nanoseconds = extra >> 2;
    if (time.nanoseconds > 999'999'999U) time.nanoseconds = 999'999'999U;
  }
  return time;
}

void ExtWalker::FillRecord(ext2_ino_t ino, const ext2_inode_large& inode, FileRecord& record) {
  record.type = FileTypeFromMode(inode.i_mode);
  record.permissions = inode.i_mode & 07777U;
  record.inode = ino;
  record.link_count = inode.i_links_count;
  record.uid = inode_uid(inode);
  record.gid = inode_gid(inode);
  record.size = EXT2_I_SIZE(&inode);
  bool large = EXT2_INODE_SIZE(fs_->super) > EXT2_GOOD_OLD_INODE_SIZE;
  auto has = [&](size_t field_end) {
    size_t extra_end = EXT2_GOOD_OLD_INODE_SIZE + static_cast<size_t>(inode.i_extra_isize);
    return large && extra_end >= field_end &&
           extra_end <= static_cast<size_t>(EXT2_INODE_SIZE(fs_->super));
  };
  record.mtime = DecodeTime(inode.i_mtime, inode.i_mtime_extra,
                            has(offsetof(ext2_inode_large, i_mtime_extra) + 4));
  record.ctime = DecodeTime(inode.i_ctime, inode.i_ctime_extra,
                            has(offsetof(ext2_inode_large, i_ctime_extra) + 4));
  if (record.type == FileType::kCharDevice || record.type == FileType::kBlockDevice) {
    if (inode.i_block[0] != 0) {
      record.device_major = (inode.i_block[0] >> 8) & 0xffU;
      record.device_minor = inode.i_block[0] & 0xffU;
    } else {
      std::uint32_t dev = inode.i_block[1];
      record.device_major = (dev & 0xfff00U) >> 8;
      record.device_minor = (dev & 0xffU) | ((dev >> 12) & 0xfff00U);
    }
  }
}

struct XattrContext {
  FileRecord* record;
  size_t bytes = 0;
  size_t max_bytes = 0;
  size_t max_count = 0;
  bool too_big = false;
};

int CollectXattr(char* name, char* value, size_t value_len, void* data) {
  auto* context = static_cast<XattrContext*>(data);
  std::string key(name);
  if (key == "system.data") return 0;  // inline-data storage, not a user-visible xattr
  context->bytes += key.size() + value_len;
  if (context->bytes > context->max_bytes || context->record->xattrs.size() >= context->max_count) {
    context->too_big = true;
    return XATTR_ABORT;
  }
  context->record->xattrs[key].assign(value, value_len);
  return 0;
}

void ExtWalker::ReadXattrs(ext2_ino_t ino, ext2_inode_large& inode, FileRecord& record) {
  ext2_xattr_handle* raw = nullptr;
  errcode_t rc = ext2fs_xattrs_open(fs_.get(), ino, &raw);
  if (rc != 0) throw FileProblem("cannot open xattrs: " + Ext2Message(rc));
  XattrHandlePtr handle(raw);
  rc = ext2fs_xattrs_read_inode(handle.get(), &inode);
  if (rc != 0) throw FileProblem("cannot read xattrs: " + Ext2Message(rc));
  XattrContext context{&record, 0, limits_.max_xattr_bytes, limits_.max_xattr_count, false};
  rc = ext2fs_xattrs_iterate(handle.get(), CollectXattr, &context);
  if (context.too_big) {
    throw FileProblem("xattrs exceed " + std::to_string(limits_.max_xattr_bytes) + " bytes or " +
                      std::to_string(limits_.max_xattr_count) + " entries");
  }
  if (rc != 0) throw FileProblem("cannot iterate xattrs: " + Ext2Message(rc));
}

struct BlockMapContext {
  std::vector<Segment>* segments;
  std::uint64_t block_size;
  std::uint64_t volume_offset;
  std::uint64_t blocks_count;
  std::uint64_t max_logical_blocks;
  std::uint64_t steps = 0;
  bool bad_block = false;
};

void AppendSegment(std::vector<Segment>& segments, std::uint64_t logical, std::uint64_t physical,
                   std::uint64_t length) {
  if (!segments.empty()) {
    Segment& last = segments.back();
    if (last.logical + last.length == logical && last.physical + last.length == physical) {
      last.length += length;
      return;
    }
  }
  segments.push_back(Segment{logical, physical, length});
}

int CollectBlock(ext2_filsys /*fs*/, blk64_t* blocknr, e2_blkcnt_t blockcnt, blk64_t /*ref_blk*/,
                 int /*ref_offset*/, void* priv) {
  auto* context = static_cast<BlockMapContext*>(priv);
  ++context->steps;
  if (blockcnt < 0) return 0;
  auto logical = static_cast<std::uint64_t>(blockcnt);
  if (logical >= context->max_logical_blocks) return BLOCK_ABORT;
  if (*blocknr == 0) return 0;
  if (*blocknr >= context->blocks_count) {
    context->bad_block = true;
    return BLOCK_ABORT;
  }
  AppendSegment(*context->segments, logical * context->block_size,
                context->volume_offset + *blocknr * context->block_size, context->block_size);
  return 0;
}

std::vector<Segment> ExtWalker::MapContents(ext2_ino_t ino, ext2_inode_large& inode,
                                            std::uint64_t size) {
  std::vector<Segment> segments;
  std::uint64_t logical_blocks = (size + block_size_ - 1) / block_size_;
  if ((inode.i_flags & EXT4_EXTENTS_FL) != 0) {
    ext2_extent_handle_t raw = nullptr;
    errcode_t rc = ext2fs_extent_open2(fs_.get(), ino, reinterpret_cast<ext2_inode*>(&inode), &raw);
    if (rc != 0) throw FileProblem("cannot open the extent tree: " + Ext2Message(rc));
    ExtentHandlePtr handle(raw);
    ext2fs_extent extent{};
    std::uint64_t steps = 0;
    rc = ext2fs_extent_get(handle.get(), EXT2_EXTENT_ROOT, &extent);
    while (rc == 0) {
      if (++steps % 4096 == 0) ChargeSteps(4096);
      if ((extent.e_flags & EXT2_EXTENT_FLAGS_LEAF) != 0 &&
          (extent.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT) == 0 && extent.e_len > 0 &&
          extent.e_lblk < logical_blocks &&
          (extent.e_flags & EXT2_EXTENT_FLAGS_UNINIT) == 0) {  // unwritten extents read as 0
        if (extent.e_pblk >= blocks_count_ || extent.e_len > blocks_count_ - extent.e_pblk) {
          throw FileProblem("extent at logical block " + std::to_string(extent.e_lblk) +
                            " points past the end of the filesystem");
        }
        std::uint64_t length =
            std::min<std::uint64_t>(extent.e_len, logical_blocks - extent.e_lblk);
        AppendSegment(segments, extent.e_lblk * block_size_, base_ + extent.e_pblk * block_size_,
                      length * block_size_);
      }
      rc = ext2fs_extent_get(handle.get(), EXT2_EXTENT_NEXT, &extent);
    }
    ChargeSteps(steps % 4096);
    if (rc != EXT2_ET_EXTENT_NO_NEXT && rc != EXT2_ET_NO_CURRENT_NODE) {
      throw FileProblem("cannot walk the extent tree: " + Ext2Message(rc));
    }
  } else {
    BlockMapContext context{&segments, block_size_, base_, blocks_count_, logical_blocks};
    errcode_t rc =
        ext2fs_block_iterate3(fs_.get(), ino, BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY, nullptr,
                              CollectBlock, &context);
    ChargeSteps(context.steps);
    if (context.bad_block) throw FileProblem("a block pointer points past the filesystem end");
    if (rc != 0) throw FileProblem("cannot walk the block map: " + Ext2Message(rc));
  }
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) { return a.logical < b.logical; });
  for (size_t i = 0; i < segments.size(); ++i) {
    Segment& segment = segments[i];
    if (segment.logical + segment.length > size) segment.length = size - segment.logical;
    if (i > 0 && segments[i - 1].logical + segments[i - 1].length > segment.logical) {
      throw FileProblem("extents overlap at byte " + std::to_string(segment.logical));
    }
  }
  if (pieces_ == nullptr) return segments;
  // A logical volume: volume bytes become image bytes, split at the seams of its pieces.
  std::vector<Segment> image_segments;
  try {
    for (const Segment& segment : segments) map_.AppendImageSegments(segment, image_segments);
  } catch (const Error& error) {
    throw FileProblem(error.what());
  }
  return image_segments;
}

std::string ExtWalker::ReadSymlink(ext2_ino_t ino, ext2_inode_large& inode) {
  std::uint64_t size = EXT2_I_SIZE(&inode);
  if (size > limits_.max_symlink_bytes) {
    throw FileProblem("symlink target of " + std::to_string(size) + " bytes exceeds " +
                      std::to_string(limits_.max_symlink_bytes));
  }
  if ((inode.i_flags & EXT4_INLINE_DATA_FL) != 0) {
    size_t inline_size = 0;
    errcode_t rc = ext2fs_inline_data_size(fs_.get(), ino, &inline_size);
    if (rc != 0 || inline_size > limits_.max_symlink_bytes) {
      throw FileProblem("cannot read the inline symlink target");
    }
    // Room beyond the reported size: libext2fs copies the 60-byte i_block unconditionally.
    std::string buffer(inline_size + EXT4_MIN_INLINE_DATA_SIZE, '\0');
    rc = ext2fs_inline_data_get(fs_.get(), ino, reinterpret_cast<ext2_inode*>(&inode),
                                buffer.data(), nullptr);
    if (rc != 0) throw FileProblem("cannot read the inline symlink target: " + Ext2Message(rc));
    buffer.resize(std::min<size_t>(size, inline_size));
    return buffer;
  }
  if (ext2fs_is_fast_symlink(reinterpret_cast<ext2_inode*>(&inode)) != 0) {
    size_t length = std::min<size_t>(size, sizeof inode.i_block);
    return std::string(reinterpret_cast<const char*>(inode.i_block), length);
  }
  std::string target(size, '\0');
  for (const Segment& segment : MapContents(ino, inode, size)) {
    if (image_.ReadAt(segment.physical, target.data() + segment.logical, segment.length) !=
        segment.length) {
      throw FileProblem("symlink target block lies beyond the image end");
    }
  }
  return target;
}

void ExtWalker::PlanContents(ext2_ino_t ino, ext2_inode_large& inode, size_t record_index) {
  FileRecord& record = result_.records[record_index];
  AttributeSet digests = record.attributes & kDigestAttributes;
  if (digests == 0) return;
  auto existing = job_of_inode_.find(ino);
  if (existing != job_of_inode_.end()) {
    ContentJob& job = result_.jobs[existing->second];
    job.records.push_back(record_index);
    job.digests |= digests;
    return;
  }
  if (record.size > limits_.max_file_size) {
    throw FileProblem("size " + std::to_string(record.size) + " exceeds the hashing limit of " +
                      std::to_string(limits_.max_file_size) + " bytes; contents not hashed");
  }
  ContentJob job;
  job.records.push_back(record_index);
  job.digests = digests;
  job.size = record.size;
  if ((inode.i_flags & EXT4_INLINE_DATA_FL) != 0) {
    size_t inline_size = 0;
    errcode_t rc = ext2fs_inline_data_size(fs_.get(), ino, &inline_size);
    if (rc != 0 || inline_size > 65536) throw FileProblem("cannot size the inline data");
    job.inline_data.assign(inline_size + EXT4_MIN_INLINE_DATA_SIZE, '\0');
    rc = ext2fs_inline_data_get(fs_.get(), ino, reinterpret_cast<ext2_inode*>(&inode),
                                job.inline_data.data(), nullptr);
    if (rc != 0) throw FileProblem("cannot read the inline data: " + Ext2Message(rc));
    job.inline_data.resize(std::min<std::uint64_t>(inline_size, job.size));
    job.is_inline = true;
  } else if (job.size > 0) {
    job.segments = MapContents(ino, inode, job.size);
    job.order_key = job.segments.empty() ? 0 : job.segments.front().physical;
  }
  job_of_inode_[ino] = result_.jobs.size();
  result_.jobs.push_back(std::move(job));
}

void ExtWalker::VisitEntry(ext2_ino_t ino, const std::string& inner_path, unsigned depth,
                           std::vector<PendingDir>& stack) {
  std::string path = GuestPath(inner_path);
  RuleDecision decision = rules_.Match(path);
  progress_.AddDone(1, 0);
  if (++files_ > limits_.max_files) {
    throw SourceError(volume_.label + ": more than " + std::to_string(limits_.max_files) +
                      " entries; raise the limit or check the image");
  }
  FileRecord record;
  record.path = path;
  record.attributes = decision.attributes;
  // The whole on-disk inode: in-inode xattrs live past sizeof(ext2_inode_large).
  std::fill(inode_buffer_.begin(), inode_buffer_.end(), 0);
  auto& inode = *reinterpret_cast<ext2_inode_large*>(inode_buffer_.data());
  try {
    if (ino < 1 || ino > fs_->super->s_inodes_count) {
      throw FileProblem("directory entry names inode " + std::to_string(ino) + ", outside 1.." +
                        std::to_string(fs_->super->s_inodes_count));
    }
    errcode_t rc = ext2fs_read_inode_full(fs_.get(), ino, reinterpret_cast<ext2_inode*>(&inode),
                                          EXT2_INODE_SIZE(fs_->super));
    if (rc != 0) {
      throw FileProblem("cannot read inode " + std::to_string(ino) + ": " + Ext2Message(rc));
    }
    FillRecord(ino, inode, record);
    if (inode.i_links_count == 0) {
      throw FileProblem("entry names inode " + std::to_string(ino) + " which is not in use");
    }
  } catch (const FileProblem& problem) {
    if (!decision.selected) return;
    record.inode = ino;
    record.error = problem.what();
    result_.records.push_back(std::move(record));
    return;
  }
  bool descend =
      record.type == FileType::kDirectory && (decision.selected || rules_.MayMatchBelow(path));
  if (descend) {
    auto [it, fresh] = visited_dirs_.emplace(ino, path);
    if (!fresh) {
      record.error = "directory loop: inode " + std::to_string(ino) + " already visited as " +
                     EscapeForDisplay(it->second);
      descend = false;
      decision.selected = true;  // a loop is always worth reporting
    } else if (depth >= limits_.max_depth) {
      record.error = "directory nesting deeper than " + std::to_string(limits_.max_depth);
      descend = false;
      decision.selected = true;
    } else {
      stack.push_back(PendingDir{ino, inner_path, depth + 1,
                                 decision.selected ? result_.records.size() : kNoRecord});
    }
  }
  if (!decision.selected) return;
  size_t index = result_.records.size();
  result_.records.push_back(std::move(record));
  try {
    if ((decision.attributes & kXattrAttributes) != 0) {
      ReadXattrs(ino, inode, result_.records[index]);
    }
    if (result_.records[index].type == FileType::kSymlink) {
      result_.records[index].link_target = ReadSymlink(ino, inode);
    } else if (result_.records[index].type == FileType::kRegular) {
      PlanContents(ino, inode, index);
    }
  } catch (const FileProblem& problem) {
    FileRecord& stored = result_.records[index];
    stored.error = problem.what();
  }
}

void ExtWalker::Run() {
  Open();
  std::vector<PendingDir> stack;
  visited_dirs_.clear();
  VisitEntry(EXT2_ROOT_INO, "/", 0, stack);  // the root's record is index 0 if selected
  while (!stack.empty()) {
    PendingDir dir = std::move(stack.back());
    stack.pop_back();
    std::vector<DirEntry> entries;
    try {
      entries = ListDirectory(dir.inode, GuestPath(dir.path));
    } catch (const FileProblem& problem) {
      if (dir.record_index != kNoRecord) {
        result_.records[dir.record_index].error = problem.what();
      } else {
        FileRecord record;
        record.path = GuestPath(dir.path);
        record.type = FileType::kDirectory;
        record.inode = dir.inode;
        record.error = problem.what();
        result_.records.push_back(std::move(record));
      }
      continue;
    }
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      const DirEntry& entry = *it;
      std::string child = dir.path == "/" ? "/" + entry.name : dir.path + "/" + entry.name;
      if (entry.name.find('/') != std::string::npos || entry.name.find('\0') != std::string::npos ||
          child.size() > limits_.max_path_bytes) {
        FileRecord record;
        record.path = GuestPath(child.substr(0, std::min(child.size(), limits_.max_path_bytes)));
        record.inode = entry.inode;
        record.error = "invalid directory entry name (contains '/' or NUL, or path too long)";
        result_.records.push_back(std::move(record));
        continue;
      }
      VisitEntry(entry.inode, child, dir.depth, stack);
    }
  }
}

}  // namespace

void ScanExtVolume(ImageFile& image, const ExtVolume& volume, const RuleSet& rules,
                   const ScanLimits& limits, ScanResult& result, Progress& progress) {
  static std::once_flag error_table_once;  // com_err keeps its message tables process-wide
  std::call_once(error_table_once, [] { initialize_ext2_error_table(); });
  ExtWalker walker(image, volume, rules, limits, result, progress);
  walker.Run();
}

}  // namespace virdomm::monitor
