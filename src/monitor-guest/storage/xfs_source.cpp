// The XFS directory walk: from the root inode through every directory form, recording inodes,
// xattrs, symlink targets and the image byte ranges of file contents, with the same hostile-image
// bounds as the ext reader (depth, path length, entry counts, a step budget, directory loops).
#include "storage/xfs_source.h"

#include <algorithm>
#include <unordered_map>

#include "storage/xfs_bmap.h"
#include "storage/xfs_directory.h"
#include "storage/xfs_format.h"
#include "storage/xfs_inode.h"
#include "storage/xfs_log.h"
#include "storage/xfs_remote.h"
#include "storage/xfs_volume.h"
#include "storage/xfs_xattr.h"

namespace virdomm::monitor {
namespace {

class XfsWalker {
 public:
  XfsWalker(const ImageFile& image, const SourceVolume& volume, const RuleSet& rules,
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
    XfsInode inode;
    std::string path;
    unsigned depth;
    size_t record_index;
  };
  static constexpr size_t kNoRecord = static_cast<size_t>(-1);

  void Open();
  void CheckLog();
  [[nodiscard]] std::string GuestPath(const std::string& inner) const;
  void VisitEntry(std::uint64_t ino, const std::string& inner_path, unsigned depth,
                  std::vector<PendingDir>& stack);
  void FillRecord(const XfsInode& inode, FileRecord& record) const;
  std::string ReadSymlink(const XfsInode& inode);
  std::vector<Segment> MapContents(const XfsInode& inode);
  void PlanContents(const XfsInode& inode, size_t record_index);
  void ListInto(const PendingDir& dir, std::vector<XfsDirEntry>& entries);

  const ImageFile& image_;
  const SourceVolume& volume_;
  const RuleSet& rules_;
  const ScanLimits& limits_;
  ScanResult& result_;
  Progress& progress_;
  std::unique_ptr<XfsVolume> fs_;
  std::unique_ptr<XfsStepBudget> budget_;
  std::uint64_t files_ = 0;
  std::unordered_map<std::uint64_t, std::string> visited_dirs_;
  std::unordered_map<std::uint64_t, size_t> job_of_inode_;  // hard links share one job
};

void XfsWalker::Open() {
  try {
    fs_ = std::make_unique<XfsVolume>(image_.Reader(), volume_.Map());
  } catch (const Error& error) {
    throw SourceError("cannot open the XFS filesystem in " + volume_.label + " of " +
                      image_.Name() + ": " + error.what());
  }
  const XfsGeometry& g = fs_->Geometry();
  budget_ = std::make_unique<XfsStepBudget>(4 * g.data_blocks + (std::uint64_t{1} << 20));
}

void XfsWalker::CheckLog() {
  XfsLogCheck log = CheckXfsLog(*fs_);
  if (log.state == XfsLogState::kDirty) {
    result_.warnings.push_back(volume_.label +
                               ": the XFS log holds unreplayed changes (filesystem in use or not "
                               "cleanly unmounted); recent changes may be missed");
  } else if (log.state == XfsLogState::kUnknown) {
    result_.warnings.push_back(volume_.label + ": the state of the XFS log is unknown (" +
                               log.reason + "); recent changes may be missed");
  }
}

std::string XfsWalker::GuestPath(const std::string& inner) const {
  if (volume_.mount_prefix.empty()) return inner;
  return inner == "/" ? volume_.mount_prefix : volume_.mount_prefix + inner;
}

void XfsWalker::FillRecord(const XfsInode& inode, FileRecord& record) const {
  record.type = FileTypeFromMode(inode.mode);
  record.permissions = inode.mode & 07777U;
  record.inode = inode.number;
  record.link_count = inode.links;
  record.uid = inode.uid;
  record.gid = inode.gid;
  record.size = inode.size;
  record.mtime = inode.mtime;
  record.ctime = inode.ctime;
  record.device_major = inode.device_major;
  record.device_minor = inode.device_minor;
}

std::vector<Segment> XfsWalker::MapContents(const XfsInode& inode) {
  if (inode.realtime) {
    throw XfsFileError("file data on the realtime device is not supported");
  }
  std::vector<Segment> volume_segments;
  std::uint64_t block_size = fs_->Geometry().block_size;
  for (const XfsExtent& extent : MapXfsFork(*fs_, inode, inode.data, *budget_)) {
    if (extent.unwritten) continue;  // preallocated space reads as zeros
    if (extent.logical >= (inode.size + block_size - 1) / block_size) break;
    std::uint64_t logical = extent.logical * block_size;
    std::uint64_t length = std::min(extent.count * block_size, inode.size - logical);
    std::uint64_t physical = fs_->BlockToVolumeByte(extent.block, extent.count);
    if (!volume_segments.empty() &&
        volume_segments.back().logical + volume_segments.back().length == logical &&
        volume_segments.back().physical + volume_segments.back().length == physical) {
      volume_segments.back().length += length;
    } else {
      volume_segments.push_back(Segment{logical, physical, length});
    }
  }
  // The hasher reads image bytes: a logical volume's pieces split segments at their seams.
  std::vector<Segment> segments;
  try {
    for (const Segment& segment : volume_segments) {
      fs_->Map().AppendImageSegments(segment, segments);
    }
  } catch (const Error& error) {
    throw XfsFileError(error.what());
  }
  return segments;
}

std::string XfsWalker::ReadSymlink(const XfsInode& inode) {
  if (inode.size > limits_.max_symlink_bytes) {
    throw XfsFileError("symlink target of " + std::to_string(inode.size) + " bytes exceeds " +
                       std::to_string(limits_.max_symlink_bytes));
  }
  auto size = static_cast<size_t>(inode.size);
  if (inode.data.format == xfs::kFormatLocal) {
    if (size > inode.data.bytes.size()) throw XfsFileError("local symlink exceeds its fork");
    return {reinterpret_cast<const char*>(inode.data.bytes.data()), size};
  }
  std::vector<XfsExtent> extents = MapXfsFork(*fs_, inode, inode.data, *budget_);
  return ReadXfsRemoteValue(*fs_, extents, 0, size, xfs::kSymlinkRemoteMagic, inode.number);
}

void XfsWalker::PlanContents(const XfsInode& inode, size_t record_index) {
  FileRecord& record = result_.records[record_index];
  AttributeSet digests = record.attributes & kDigestAttributes;
  if (digests == 0) return;
  auto existing = job_of_inode_.find(inode.number);
  if (existing != job_of_inode_.end()) {
    ContentJob& job = result_.jobs[existing->second];
    job.records.push_back(record_index);
    job.digests |= digests;
    return;
  }
  if (record.size > limits_.max_file_size) {
    throw XfsFileError("size " + std::to_string(record.size) + " exceeds the hashing limit of " +
                       std::to_string(limits_.max_file_size) + " bytes; contents not hashed");
  }
  ContentJob job;
  job.records.push_back(record_index);
  job.digests = digests;
  job.size = record.size;
  if (inode.data.format == xfs::kFormatLocal) {
    if (job.size > inode.data.bytes.size()) throw XfsFileError("local data exceeds its fork");
    job.inline_data.assign(reinterpret_cast<const char*>(inode.data.bytes.data()),
                           static_cast<size_t>(job.size));
    job.is_inline = true;
  } else if (job.size > 0) {
    job.segments = MapContents(inode);
    job.order_key = job.segments.empty() ? 0 : job.segments.front().physical;
  }
  job_of_inode_[inode.number] = result_.jobs.size();
  result_.jobs.push_back(std::move(job));
}

void XfsWalker::VisitEntry(std::uint64_t ino, const std::string& inner_path, unsigned depth,
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
  XfsInode inode;
  try {
    inode = ReadXfsInode(*fs_, ino);
    FillRecord(inode, record);
    if (inode.links == 0 || inode.mode == 0) {
      throw XfsFileError("entry names inode " + std::to_string(ino) + " which is not in use");
    }
  } catch (const XfsFileError& problem) {
    if (!decision.selected) return;
    record.inode = ino;
    record.error = problem.what();
    result_.records.push_back(std::move(record));
    return;
  }
  bool descend =
      record.type == FileType::kDirectory && (decision.selected || rules_.MayMatchBelow(path));
  bool queue = false;
  if (descend) {
    auto [it, fresh] = visited_dirs_.emplace(ino, path);
    if (!fresh) {
      record.error = "directory loop: inode " + std::to_string(ino) + " already visited as " +
                     EscapeForDisplay(it->second);
      decision.selected = true;  // a loop is always worth reporting
    } else if (depth >= limits_.max_depth) {
      record.error = "directory nesting deeper than " + std::to_string(limits_.max_depth);
      decision.selected = true;
    } else {
      queue = true;
    }
  }
  size_t index = decision.selected ? result_.records.size() : kNoRecord;
  if (decision.selected) result_.records.push_back(std::move(record));
  if (queue) stack.push_back(PendingDir{inode, inner_path, depth + 1, index});
  if (!decision.selected) return;
  try {
    if ((decision.attributes & kXattrAttributes) != 0) {
      XattrLimits xattr_limits{limits_.max_xattr_bytes, limits_.max_xattr_count};
      result_.records[index].xattrs = ReadXfsXattrs(*fs_, inode, xattr_limits, *budget_);
    }
    if (result_.records[index].type == FileType::kSymlink) {
      result_.records[index].link_target = ReadSymlink(inode);
    } else if (result_.records[index].type == FileType::kRegular) {
      PlanContents(inode, index);
    }
  } catch (const XfsFileError& problem) {
    result_.records[index].error = problem.what();
  }
}

void XfsWalker::ListInto(const PendingDir& dir, std::vector<XfsDirEntry>& entries) {
  entries = ListXfsDirectory(*fs_, dir.inode, limits_.max_dir_entries, *budget_);
  std::sort(entries.begin(), entries.end(),
            [](const XfsDirEntry& a, const XfsDirEntry& b) { return a.name < b.name; });
}

void XfsWalker::Run() {
  Open();
  CheckLog();
  std::vector<PendingDir> stack;
  try {
    VisitEntry(fs_->Geometry().root_inode, "/", 0, stack);
    while (!stack.empty()) {
      PendingDir dir = std::move(stack.back());
      stack.pop_back();
      std::vector<XfsDirEntry> entries;
      try {
        ListInto(dir, entries);
      } catch (const XfsFileError& problem) {
        if (dir.record_index != kNoRecord) {
          result_.records[dir.record_index].error = problem.what();
        } else {
          FileRecord record;
          record.path = GuestPath(dir.path);
          record.type = FileType::kDirectory;
          record.inode = dir.inode.number;
          record.error = problem.what();
          result_.records.push_back(std::move(record));
        }
        continue;
      }
      for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const XfsDirEntry& entry = *it;
        std::string child = dir.path == "/" ? "/" + entry.name : dir.path + "/" + entry.name;
        if (entry.name.find('/') != std::string::npos ||
            entry.name.find('\0') != std::string::npos || child.size() > limits_.max_path_bytes) {
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
  } catch (const XfsBudgetError& error) {
    throw SourceError(volume_.label + ": " + error.what());
  }
}

}  // namespace

void ScanXfsVolume(const ImageFile& image, const SourceVolume& volume, const RuleSet& rules,
                   const ScanLimits& limits, ScanResult& result, Progress& progress) {
  XfsWalker walker(image, volume, rules, limits, result, progress);
  walker.Run();
}

}  // namespace virdomm::monitor
