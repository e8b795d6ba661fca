// The btrfs walk: superblock and chunk bootstrap, default subvolume lookup, then a directory
// walk over DIR_INDEX items with an explicit stack, as the ext walk does.
#include "storage/btrfs_source.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "storage/btrfs_chunk_map.h"
#include "storage/btrfs_decompress.h"
#include "storage/btrfs_items.h"
#include "storage/btrfs_superblock.h"
#include "storage/btrfs_tree.h"

namespace virdomm::monitor {
namespace {

using btrfs::BtrfsError;
using btrfs::Bytes;
using btrfs::Key;
using btrfs::TreeRoot;

constexpr std::uint64_t kMaxOffset = ~0ULL;
constexpr std::uint8_t kMaxType = 0xff;

// A per-file failure: becomes FileRecord::error.
class FileProblem : public Error {
 public:
  using Error::Error;
};

struct Subvolume {
  std::uint64_t id = 0;
  TreeRoot root;
  std::uint64_t root_dir = 0;
};

// (subvolume, inode) packed for the visited and hard-link maps.
struct InodeId {
  size_t tree = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const InodeId&, const InodeId&) = default;
};
struct InodeIdHash {
  size_t operator()(const InodeId& id) const {
    return std::hash<std::uint64_t>()(id.inode * 1000003ULL + id.tree);
  }
};

struct ListedEntry {
  std::string name;
  Key location;
};

class BtrfsWalker {
 public:
  BtrfsWalker(ImageFile& image, const ExtVolume& volume, const RuleSet& rules,
              const ScanLimits& limits, ScanResult& result, Progress& progress)
      : image_(image),
        volume_(volume),
        rules_(rules),
        limits_(limits),
        result_(result),
        progress_(progress) {}

  void Run();

 private:
  struct PendingDir {
    InodeId id;
    std::string path;
    unsigned depth;
    size_t record_index;
  };
  static constexpr size_t kNoRecord = static_cast<size_t>(-1);

  void Open();
  Subvolume FindSubvolume(std::uint64_t id);
  std::uint64_t DefaultSubvolumeId();
  std::string GuestPath(const std::string& inner) const;
  size_t TreeIndexFor(std::uint64_t subvolume_id);
  void VisitEntry(InodeId id, const std::string& inner_path, unsigned depth,
                  std::vector<PendingDir>& stack);
  std::optional<btrfs::InodeItem> ReadInode(InodeId id);
  bool LinkedHere(const PendingDir& dir, const std::string& name, std::uint64_t subvolume_id);
  void RecordEmptySubvolumeDir(const PendingDir& dir, const std::string& child);
  std::vector<ListedEntry> ListDirectory(InodeId dir);
  void ReadXattrs(InodeId id, FileRecord& record);
  std::string ReadSymlink(InodeId id, std::uint64_t size);
  void MapContents(InodeId id, std::uint64_t size, ContentJob& job);
  void PlanContents(InodeId id, size_t record_index);
  // Runs `body`, turning a damaged item or subtree into a FileProblem (the walk goes on); an
  // exhausted node budget still ends the whole scan.
  template <typename Body>
  auto PerFile(Body body) -> decltype(body());

  ImageFile& image_;
  const ExtVolume& volume_;
  const RuleSet& rules_;
  const ScanLimits& limits_;
  ScanResult& result_;
  Progress& progress_;
  btrfs::Superblock super_;
  std::unique_ptr<btrfs::ChunkMap> chunks_;
  std::unique_ptr<btrfs::TreeReader> reader_;
  std::vector<Subvolume> trees_;
  std::uint64_t files_ = 0;
  std::unordered_map<InodeId, std::string, InodeIdHash> visited_dirs_;
  std::unordered_map<InodeId, size_t, InodeIdHash> job_of_inode_;
};

template <typename Body>
auto BtrfsWalker::PerFile(Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const btrfs::ItemError& error) {
    throw FileProblem(error.what());
  } catch (const btrfs::DecompressError& error) {
    throw FileProblem(error.what());
  } catch (const BtrfsError& error) {
    if (reader_->Exhausted()) throw;
    throw FileProblem(error.what());
  }
}

void BtrfsWalker::Open() {
  std::string where = "btrfs filesystem in " + volume_.label + " of " + image_.Name();
  std::vector<std::uint8_t> block(btrfs::kSuperblockBytes);
  if (volume_.length < btrfs::kSuperblockOffset + block.size() ||
      image_.ReadAt(volume_.offset + btrfs::kSuperblockOffset, block.data(), block.size()) !=
          block.size()) {
    throw SourceError(where + ": the volume ends before the superblock");
  }
  try {
    super_ = btrfs::ParseSuperblock(block);
    chunks_ = std::make_unique<btrfs::ChunkMap>(super_.device_id, volume_.length);
    chunks_->AddSystemChunkArray(super_.sys_chunk_array);
    ImageFile& image = image_;
    std::uint64_t offset = volume_.offset;
    std::uint64_t length = volume_.length;
    auto read = [&image, offset, length](std::uint64_t at, void* buffer, size_t size) -> size_t {
      if (at >= length) return 0;
      size = static_cast<size_t>(std::min<std::uint64_t>(size, length - at));
      return image.ReadAt(offset + at, buffer, size);
    };
    // Every node is read at most a few times per walk (cached, and each lookup descends at most
    // eight levels); this bound is far above that and still finite for any image.
    std::uint64_t nodes = volume_.length / super_.node_size;
    std::uint64_t budget = 64 * nodes + 64 * limits_.max_files + (1ULL << 20);
    reader_ = std::make_unique<btrfs::TreeReader>(read, super_, *chunks_, budget);
    reader_->ForEach(
        super_.chunk_tree, Key{btrfs::objectid::kFirstChunkTree, btrfs::item::kChunkItem, 0},
        Key{btrfs::objectid::kFirstChunkTree, btrfs::item::kChunkItem, kMaxOffset},
        [&](const Key& key, Bytes data, const btrfs::Node&, std::uint64_t, std::uint32_t) {
          chunks_->Add(key.offset, data);
          return true;
        });
    std::uint64_t id = DefaultSubvolumeId();
    trees_.push_back(FindSubvolume(id));
  } catch (const btrfs::ItemError& error) {
    throw SourceError(where + ": " + error.what());
  } catch (const SourceError& error) {
    throw SourceError(where + ": " + error.what());
  }
  if (super_.log_root != 0) {
    result_.warnings.push_back(
        volume_.label +
        ": the btrfs log tree holds fsync'ed changes not yet committed; the log is not "
        "replayed, so recent changes may not be visible");
  }
}

// The root tree's directory 6 holds a "default" entry naming the default subvolume (set by
// `btrfs subvolume set-default`); without it the default is the top-level FS tree 5.
std::uint64_t BtrfsWalker::DefaultSubvolumeId() {
  std::uint64_t id = btrfs::objectid::kFsTree;
  reader_->ForEach(
      super_.root_tree, Key{btrfs::objectid::kRootTreeDir, btrfs::item::kDirItem, 0},
      Key{btrfs::objectid::kRootTreeDir, btrfs::item::kDirItem, kMaxOffset},
      [&](const Key&, Bytes data, const btrfs::Node&, std::uint64_t, std::uint32_t) {
        for (const btrfs::DirEntry& entry : btrfs::ParseDirEntries(data, 64)) {
          if (entry.name == "default" && entry.location.type == btrfs::item::kRootItem) {
            id = entry.location.objectid;
            return false;
          }
        }
        return true;
      });
  return id;
}

Subvolume BtrfsWalker::FindSubvolume(std::uint64_t id) {
  std::optional<btrfs::RootItem> found;
  reader_->ForEach(super_.root_tree, Key{id, btrfs::item::kRootItem, 0},
                   Key{id, btrfs::item::kRootItem, kMaxOffset},
                   [&](const Key&, Bytes data, const btrfs::Node&, std::uint64_t, std::uint32_t) {
                     found = btrfs::ParseRootItem(data);
                     return false;
                   });
  if (!found) throw BtrfsError("no root item for subvolume " + std::to_string(id));
  if (found->level > btrfs::node::kMaxLevel) {
    throw BtrfsError("root item of subvolume " + std::to_string(id) + " names level " +
                     std::to_string(found->level));
  }
  return Subvolume{id, TreeRoot{found->bytenr, found->level}, found->root_dirid};
}

size_t BtrfsWalker::TreeIndexFor(std::uint64_t subvolume_id) {
  for (size_t i = 0; i < trees_.size(); ++i) {
    if (trees_[i].id == subvolume_id) return i;
  }
  trees_.push_back(FindSubvolume(subvolume_id));
  return trees_.size() - 1;
}

std::string BtrfsWalker::GuestPath(const std::string& inner) const {
  if (volume_.mount_prefix.empty()) return inner;
  return inner == "/" ? volume_.mount_prefix : volume_.mount_prefix + inner;
}

std::optional<btrfs::InodeItem> BtrfsWalker::ReadInode(InodeId id) {
  std::optional<btrfs::InodeItem> item;
  Key key{id.inode, btrfs::item::kInodeItem, 0};
  reader_->ForEach(trees_[id.tree].root, key, key,
                   [&](const Key&, Bytes data, const btrfs::Node&, std::uint64_t, std::uint32_t) {
                     item = btrfs::ParseInodeItem(data);
                     return false;
                   });
  return item;
}

// readdir lists DIR_INDEX items, while a lookup by name goes through DIR_ITEM: a name that only
// a DIR_ITEM holds is still a reachable file, so the listing is the union of both.
// Whether the root tree links subvolume `subvolume_id` at this directory under this name. In a
// snapshot, an entry for a subvolume nested in the original has no such link; the kernel then
// shows an empty directory (inode 2) instead of the subvolume, and so does this walk.
bool BtrfsWalker::LinkedHere(const PendingDir& dir, const std::string& name,
                             std::uint64_t subvolume_id) {
  bool linked = false;
  Key key{trees_[dir.id.tree].id, btrfs::item::kRootRef, subvolume_id};
  reader_->ForEach(super_.root_tree, key, key,
                   [&](const Key&, Bytes data, const btrfs::Node&, std::uint64_t, std::uint32_t) {
                     btrfs::RootRef ref = btrfs::ParseRootRef(data);
                     linked = ref.dirid == dir.id.inode && ref.name == name;
                     return false;
                   });
  return linked;
}

// The kernel's stand-in for a subvolume a snapshot does not contain: an empty directory, inode
// 2, mode 0755, owned by root. The kernel gives it the time of the lookup; the record takes the
// parent directory's times instead, so that it stays the same from one check to the next.
void BtrfsWalker::RecordEmptySubvolumeDir(const PendingDir& dir, const std::string& child) {
  std::string path = GuestPath(child);
  RuleDecision decision = rules_.Match(path);
  progress_.AddDone(1, 0);
  if (++files_ > limits_.max_files) {
    throw SourceError(volume_.label + ": more than " + std::to_string(limits_.max_files) +
                      " entries; raise the limit or check the image");
  }
  if (!decision.selected) return;
  FileRecord record;
  record.path = path;
  record.attributes = decision.attributes;
  record.type = FileType::kDirectory;
  record.permissions = 0755;
  record.inode = 2;
  record.link_count = 1;
  try {
    std::optional<btrfs::InodeItem> parent = PerFile([&] { return ReadInode(dir.id); });
    if (parent) {
      record.mtime = parent->mtime;
      record.ctime = parent->ctime;
    }
  } catch (const FileProblem& problem) {
    record.error = problem.what();
  }
  result_.records.push_back(std::move(record));
}

std::vector<ListedEntry> BtrfsWalker::ListDirectory(InodeId dir) {
  std::vector<ListedEntry> entries;
  std::uint64_t slots = 0;
  auto count = [&] {
    if (++slots > limits_.max_dir_entries) {
      throw FileProblem("directory has more than " + std::to_string(limits_.max_dir_entries) +
                        " entries; not listed");
    }
  };
  const TreeRoot& root = trees_[dir.tree].root;
  reader_->ForEach(root, Key{dir.inode, btrfs::item::kDirIndex, 0},
                   Key{dir.inode, btrfs::item::kDirIndex, kMaxOffset},
                   [&](const Key&, Bytes data, const btrfs::Node&, std::uint64_t, std::uint32_t) {
                     count();
                     for (btrfs::DirEntry& entry : btrfs::ParseDirEntries(data, 1)) {
                       entries.push_back(ListedEntry{std::move(entry.name), entry.location});
                     }
                     return true;
                   });
  std::unordered_set<std::string> indexed;
  for (const ListedEntry& entry : entries) indexed.insert(entry.name);
  reader_->ForEach(root, Key{dir.inode, btrfs::item::kDirItem, 0},
                   Key{dir.inode, btrfs::item::kDirItem, kMaxOffset},
                   [&](const Key&, Bytes data, const btrfs::Node&, std::uint64_t, std::uint32_t) {
                     count();
                     for (btrfs::DirEntry& entry : btrfs::ParseDirEntries(data, 64)) {
                       if (indexed.insert(entry.name).second) {
                         entries.push_back(ListedEntry{std::move(entry.name), entry.location});
                       }
                     }
                     return true;
                   });
  std::sort(entries.begin(), entries.end(),
            [](const ListedEntry& a, const ListedEntry& b) { return a.name < b.name; });
  // Two DIR_INDEX items with one name: keep the first, as a lookup would find one file.
  entries.erase(
      std::unique(entries.begin(), entries.end(),
                  [](const ListedEntry& a, const ListedEntry& b) { return a.name == b.name; }),
      entries.end());
  return entries;
}

void BtrfsWalker::ReadXattrs(InodeId id, FileRecord& record) {
  size_t bytes = 0;
  reader_->ForEach(
      trees_[id.tree].root, Key{id.inode, btrfs::item::kXattrItem, 0},
      Key{id.inode, btrfs::item::kXattrItem, kMaxOffset},
      [&](const Key&, Bytes data, const btrfs::Node&, std::uint64_t, std::uint32_t) {
        for (btrfs::DirEntry& entry : btrfs::ParseDirEntries(data, limits_.max_xattr_count)) {
          bytes += entry.name.size() + entry.data.size();
          if (bytes > limits_.max_xattr_bytes || record.xattrs.size() >= limits_.max_xattr_count) {
            throw FileProblem("xattrs exceed " + std::to_string(limits_.max_xattr_bytes) +
                              " bytes or " + std::to_string(limits_.max_xattr_count) + " entries");
          }
          record.xattrs[entry.name] = std::move(entry.data);
        }
        return true;
      });
}

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

// Builds the job's segments (plain bytes in the image, including uncompressed inline data read
// in place from its leaf) and compressed pieces from the file's EXTENT_DATA items.
void BtrfsWalker::MapContents(InodeId id, std::uint64_t size, ContentJob& job) {
  std::uint64_t covered = 0;  // end of the previous extent, in file bytes
  reader_->ForEach(
      trees_[id.tree].root, Key{id.inode, btrfs::item::kExtentData, 0},
      Key{id.inode, btrfs::item::kExtentData, kMaxOffset},
      [&](const Key& key, Bytes data, const btrfs::Node& leaf, std::uint64_t leaf_logical,
          std::uint32_t slot) {
        std::uint64_t logical = key.offset;
        if (logical >= size) return false;  // beyond EOF (preallocated past the end)
        if (logical < covered) {
          throw FileProblem("file extents overlap at byte " + std::to_string(logical));
        }
        btrfs::FileExtent extent = btrfs::ParseFileExtent(data);
        std::uint64_t room = size - logical;
        if (extent.type == btrfs::extent::kTypeInline) {
          std::uint64_t in_leaf =
              reader_->Physical(leaf_logical) + leaf.DataOffset(slot) + extent.inline_offset;
          if (extent.compression == btrfs::kCompressNone) {
            std::uint64_t length = std::min<std::uint64_t>(extent.inline_length, room);
            if (length > 0) AppendSegment(job.segments, logical, volume_.offset + in_leaf, length);
            covered = logical + length;
            return true;
          }
          if (extent.ram_bytes > btrfs::kMaxDecodedExtent || extent.ram_bytes == 0) {
            throw FileProblem("inline extent decodes to " + std::to_string(extent.ram_bytes) +
                              " bytes");
          }
          CompressedSegment piece;
          piece.logical = logical;
          piece.physical = volume_.offset + in_leaf;
          piece.encoded_length = extent.inline_length;
          piece.decoded_length = static_cast<std::uint32_t>(extent.ram_bytes);
          piece.length =
              static_cast<std::uint32_t>(std::min<std::uint64_t>(extent.ram_bytes, room));
          piece.compression = extent.compression;
          piece.sector_size = super_.sector_size;
          job.compressed.push_back(piece);
          covered = logical + piece.length;
          return true;
        }
        std::uint64_t length = std::min(extent.num_bytes, room);
        covered = logical + length;
        if (extent.disk_bytenr == 0 || extent.type == btrfs::extent::kTypePrealloc || length == 0) {
          return true;  // a hole or unwritten space: reads as zeros
        }
        if (extent.compression == btrfs::kCompressNone) {
          if (extent.disk_bytenr + extent.offset < extent.disk_bytenr) {
            throw FileProblem("file extent address overflows");
          }
          std::uint64_t physical = chunks_->Map(extent.disk_bytenr + extent.offset, length);
          AppendSegment(job.segments, logical, volume_.offset + physical, length);
          return true;
        }
        if (extent.disk_num_bytes == 0 || extent.disk_num_bytes > btrfs::kMaxEncodedExtent ||
            extent.ram_bytes == 0 || extent.ram_bytes > btrfs::kMaxDecodedExtent ||
            extent.offset > extent.ram_bytes ||
            extent.num_bytes > extent.ram_bytes - extent.offset) {
          throw FileProblem("compressed extent at byte " + std::to_string(logical) +
                            " has impossible sizes");
        }
        CompressedSegment piece;
        piece.logical = logical;
        piece.physical = volume_.offset + chunks_->Map(extent.disk_bytenr, extent.disk_num_bytes);
        piece.encoded_length = static_cast<std::uint32_t>(extent.disk_num_bytes);
        piece.decoded_length = static_cast<std::uint32_t>(extent.ram_bytes);
        piece.skip = static_cast<std::uint32_t>(extent.offset);
        piece.length = static_cast<std::uint32_t>(length);
        piece.compression = extent.compression;
        piece.sector_size = super_.sector_size;
        job.compressed.push_back(piece);
        return true;
      });
}

std::string BtrfsWalker::ReadSymlink(InodeId id, std::uint64_t size) {
  if (size > limits_.max_symlink_bytes) {
    throw FileProblem("symlink target of " + std::to_string(size) + " bytes exceeds " +
                      std::to_string(limits_.max_symlink_bytes));
  }
  ContentJob job;
  MapContents(id, size, job);
  std::string target(size, '\0');
  for (const Segment& segment : job.segments) {
    if (image_.ReadAt(segment.physical, target.data() + segment.logical, segment.length) !=
        segment.length) {
      throw FileProblem("symlink target lies beyond the image end");
    }
  }
  for (const CompressedSegment& piece : job.compressed) {
    std::vector<std::uint8_t> encoded(piece.encoded_length);
    std::vector<std::uint8_t> decoded(piece.decoded_length);
    if (image_.ReadAt(piece.physical, encoded.data(), encoded.size()) != encoded.size()) {
      throw FileProblem("symlink target lies beyond the image end");
    }
    size_t produced = btrfs::Decompress(piece.compression, encoded, decoded, piece.sector_size);
    if (std::uint64_t{piece.skip} + piece.length > decoded.size()) {
      throw FileProblem("compressed symlink target exceeds its extent");
    }
    size_t have = produced > piece.skip ? std::min<size_t>(produced - piece.skip, piece.length) : 0;
    std::copy_n(decoded.begin() + piece.skip, have,
                target.begin() + static_cast<std::ptrdiff_t>(piece.logical));
  }
  return target;
}

void BtrfsWalker::PlanContents(InodeId id, size_t record_index) {
  FileRecord& record = result_.records[record_index];
  AttributeSet digests = record.attributes & kDigestAttributes;
  if (digests == 0) return;
  auto existing = job_of_inode_.find(id);
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
  if (job.size > 0) MapContents(id, job.size, job);
  job.order_key = !job.segments.empty()     ? job.segments.front().physical
                  : !job.compressed.empty() ? job.compressed.front().physical
                                            : 0;
  job_of_inode_[id] = result_.jobs.size();
  result_.jobs.push_back(std::move(job));
}

void BtrfsWalker::VisitEntry(InodeId id, const std::string& inner_path, unsigned depth,
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
  record.inode = id.inode;
  try {
    std::optional<btrfs::InodeItem> inode = PerFile([&] { return ReadInode(id); });
    if (!inode) {
      throw FileProblem("entry names inode " + std::to_string(id.inode) +
                        " which has no inode item");
    }
    record.type = FileTypeFromMode(inode->mode);
    record.permissions = inode->mode & 07777U;
    record.link_count = inode->nlink;
    record.uid = inode->uid;
    record.gid = inode->gid;
    record.size = inode->size;
    record.mtime = inode->mtime;
    record.ctime = inode->ctime;
    if (record.type == FileType::kCharDevice || record.type == FileType::kBlockDevice) {
      // The kernel keeps its own dev_t here (major in the bits above 20).
      auto dev = static_cast<std::uint32_t>(inode->rdev);
      record.device_major = dev >> 20;
      record.device_minor = dev & 0xfffffU;
    }
  } catch (const FileProblem& problem) {
    if (!decision.selected) return;
    record.error = problem.what();
    result_.records.push_back(std::move(record));
    return;
  }
  bool descend =
      record.type == FileType::kDirectory && (decision.selected || rules_.MayMatchBelow(path));
  if (descend) {
    auto [it, fresh] = visited_dirs_.emplace(id, path);
    if (!fresh) {
      record.error = "directory loop: inode " + std::to_string(id.inode) + " already visited as " +
                     EscapeForDisplay(it->second);
      descend = false;
      decision.selected = true;
    } else if (depth >= limits_.max_depth) {
      record.error = "directory nesting deeper than " + std::to_string(limits_.max_depth);
      descend = false;
      decision.selected = true;
    } else {
      stack.push_back(PendingDir{id, inner_path, depth + 1,
                                 decision.selected ? result_.records.size() : kNoRecord});
    }
  }
  if (!decision.selected) return;
  size_t index = result_.records.size();
  result_.records.push_back(std::move(record));
  try {
    PerFile([&] {
      if ((decision.attributes & kXattrAttributes) != 0) ReadXattrs(id, result_.records[index]);
      if (result_.records[index].type == FileType::kSymlink) {
        result_.records[index].link_target = ReadSymlink(id, result_.records[index].size);
      } else if (result_.records[index].type == FileType::kRegular) {
        PlanContents(id, index);
      }
      return 0;
    });
  } catch (const FileProblem& problem) {
    result_.records[index].error = problem.what();
  }
}

void BtrfsWalker::Run() {
  Open();
  std::vector<PendingDir> stack;
  VisitEntry(InodeId{0, trees_[0].root_dir}, "/", 0, stack);
  while (!stack.empty()) {
    PendingDir dir = std::move(stack.back());
    stack.pop_back();
    std::vector<ListedEntry> entries;
    try {
      entries = PerFile([&] { return ListDirectory(dir.id); });
    } catch (const FileProblem& problem) {
      if (dir.record_index != kNoRecord) {
        result_.records[dir.record_index].error = problem.what();
      } else {
        FileRecord record;
        record.path = GuestPath(dir.path);
        record.type = FileType::kDirectory;
        record.inode = dir.id.inode;
        record.error = problem.what();
        result_.records.push_back(std::move(record));
      }
      continue;
    }
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      const ListedEntry& entry = *it;
      std::string child = dir.path == "/" ? "/" + entry.name : dir.path + "/" + entry.name;
      if (entry.name.find('/') != std::string::npos || entry.name.find('\0') != std::string::npos ||
          child.size() > limits_.max_path_bytes) {
        FileRecord record;
        record.path = GuestPath(child.substr(0, std::min(child.size(), limits_.max_path_bytes)));
        record.inode = entry.location.objectid;
        record.error = "invalid directory entry name (contains '/' or NUL, or path too long)";
        result_.records.push_back(std::move(record));
        continue;
      }
      InodeId target{dir.id.tree, entry.location.objectid};
      if (entry.location.type == btrfs::item::kRootItem) {
        // A subvolume below this one: its own tree, entered at its root directory.
        try {
          if (!PerFile([&] { return LinkedHere(dir, entry.name, entry.location.objectid); })) {
            RecordEmptySubvolumeDir(dir, child);
            continue;
          }
          target.tree = PerFile([&] { return TreeIndexFor(entry.location.objectid); });
          target.inode = trees_[target.tree].root_dir;
        } catch (const FileProblem& problem) {
          if (!rules_.Match(GuestPath(child)).selected) continue;
          FileRecord record;
          record.path = GuestPath(child);
          record.type = FileType::kDirectory;
          record.inode = entry.location.objectid;
          record.error = std::string("subvolume not readable: ") + problem.what();
          result_.records.push_back(std::move(record));
          continue;
        }
      } else if (entry.location.type != btrfs::item::kInodeItem) {
        FileRecord record;
        record.path = GuestPath(child);
        record.inode = entry.location.objectid;
        record.error =
            "directory entry points to an item of type " + std::to_string(entry.location.type);
        result_.records.push_back(std::move(record));
        continue;
      }
      VisitEntry(target, child, dir.depth, stack);
    }
  }
}

}  // namespace

void ScanBtrfsVolume(ImageFile& image, const ExtVolume& volume, const RuleSet& rules,
                     const ScanLimits& limits, ScanResult& result, Progress& progress) {
  BtrfsWalker walker(image, volume, rules, limits, result, progress);
  walker.Run();
}

}  // namespace virdomm::monitor
