// Directory-tree walk with lstat, llistxattr and readlink; contents are hashed later by path.
#include "storage/tree_source.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/unique_handle.h"
#include "storage/ext_source.h"

namespace virdomm::monitor {
namespace {

using DirPtr = UniqueHandle<DIR, closedir>;

class FileProblem : public Error {
 public:
  using Error::Error;
};

void ReadXattrs(const std::string& host, const ScanLimits& limits, FileRecord& record) {
  ssize_t size = ::llistxattr(host.c_str(), nullptr, 0);
  if (size < 0) {
    if (errno == ENOTSUP) return;
    throw FileProblem(ErrnoMessage("llistxattr", errno));
  }
  if (static_cast<size_t>(size) > limits.max_xattr_bytes) throw FileProblem("xattrs too large");
  std::string names(static_cast<size_t>(size), '\0');
  size = ::llistxattr(host.c_str(), names.data(), names.size());
  if (size < 0) throw FileProblem(ErrnoMessage("llistxattr", errno));
  names.resize(static_cast<size_t>(size));
  size_t total = 0;
  for (size_t pos = 0; pos < names.size();) {
    std::string name(names.c_str() + pos);
    pos += name.size() + 1;
    if (name.empty()) continue;
    ssize_t length = ::lgetxattr(host.c_str(), name.c_str(), nullptr, 0);
    if (length < 0) continue;  // vanished or not readable: skip like getfattr does
    std::string value(static_cast<size_t>(length), '\0');
    length = ::lgetxattr(host.c_str(), name.c_str(), value.data(), value.size());
    if (length < 0) continue;
    value.resize(static_cast<size_t>(length));
    total += name.size() + value.size();
    if (total > limits.max_xattr_bytes || record.xattrs.size() >= limits.max_xattr_count) {
      throw FileProblem("xattrs too large");
    }
    record.xattrs[name] = std::move(value);
  }
}

void FillFromStat(const struct stat& st, FileRecord& record) {
  record.type = FileTypeFromMode(st.st_mode);
  record.permissions = st.st_mode & 07777U;
  record.inode = st.st_ino;
  record.link_count = st.st_nlink;
  record.uid = st.st_uid;
  record.gid = st.st_gid;
  record.size = static_cast<std::uint64_t>(st.st_size);
  record.mtime = Timestamp{st.st_mtim.tv_sec, static_cast<std::uint32_t>(st.st_mtim.tv_nsec)};
  record.ctime = Timestamp{st.st_ctim.tv_sec, static_cast<std::uint32_t>(st.st_ctim.tv_nsec)};
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    record.device_major = major(st.st_rdev);
    record.device_minor = minor(st.st_rdev);
  }
}

struct Pending {
  std::string guest;
  unsigned depth;
};

// The walk runs on several threads: on a cold cache it waits on one inode read after another,
// and a few requests in flight hide most of that latency. Records are merged afterwards.
class TreeWalk {
 public:
  TreeWalk(std::string root, const struct stat& root_stat, const RuleSet& rules,
           const ScanLimits& limits, Progress& progress)
      : root_(std::move(root)),
        root_dev_(root_stat.st_dev),
        rules_(rules),
        limits_(limits),
        progress_(progress) {}

  std::vector<FileRecord> Run(unsigned threads) {
    std::vector<Pending> first;
    std::vector<FileRecord> records;
    Visit("/", 0, records, first);
    queue_ = std::move(first);
    std::vector<std::vector<FileRecord>> per_thread(threads);
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads; ++i) {
      pool.emplace_back([this, &per_thread, i] { Work(per_thread[i]); });
    }
    for (auto& thread : pool) thread.join();
    if (!failure_.empty()) throw SourceError(failure_);
    for (auto& part : per_thread) {
      for (auto& record : part) records.push_back(std::move(record));
    }
    return records;
  }

  std::string HostPath(const std::string& guest) const {
    return guest == "/" ? root_ : root_ + guest;
  }

 private:
  void Work(std::vector<FileRecord>& records) {
    while (true) {
      Pending dir;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty() || active_ == 0 || !failure_.empty(); });
        if (!failure_.empty() || (queue_.empty() && active_ == 0)) {
          wake_.notify_all();
          return;
        }
        dir = std::move(queue_.back());
        queue_.pop_back();
        ++active_;
      }
      std::vector<Pending> found;
      try {
        ListDirectory(dir, records, found);
      } catch (const std::exception& error) {
        std::lock_guard lock(mutex_);
        if (failure_.empty()) failure_ = error.what();
      }
      {
        std::lock_guard lock(mutex_);
        for (auto& pending : found) queue_.push_back(std::move(pending));
        --active_;
      }
      wake_.notify_all();
    }
  }

  void ListDirectory(const Pending& dir, std::vector<FileRecord>& records,
                     std::vector<Pending>& found) {
    DirPtr handle(::opendir(HostPath(dir.guest).c_str()));
    if (!handle) {
      FileRecord record;
      record.path = dir.guest;
      record.type = FileType::kDirectory;
      record.error = ErrnoMessage("opendir", errno);
      records.push_back(std::move(record));
      return;
    }
    std::vector<std::string> names;
    while (struct dirent* entry = ::readdir(handle.get())) {
      std::string name(entry->d_name);
      if (name == "." || name == "..") continue;
      names.push_back(std::move(name));
      if (names.size() > limits_.max_dir_entries) break;
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      std::string child = dir.guest == "/" ? "/" + name : dir.guest + "/" + name;
      if (child.size() > limits_.max_path_bytes) continue;
      Visit(child, dir.depth, records, found);
    }
  }

  void Visit(const std::string& guest, unsigned depth, std::vector<FileRecord>& records,
             std::vector<Pending>& found) {
    if (files_.fetch_add(1) + 1 > limits_.max_files) {
      throw SourceError("more than max_files entries under " + root_);
    }
    progress_.AddDone(1, 0);
    RuleDecision decision = rules_.Match(guest);
    std::string host = HostPath(guest);
    FileRecord record;
    record.path = guest;
    record.attributes = decision.attributes;
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0) {
      if (!decision.selected) return;
      record.error = ErrnoMessage("lstat", errno);
      records.push_back(std::move(record));
      return;
    }
    FillFromStat(st, record);
    if (S_ISDIR(st.st_mode) && st.st_dev == root_dev_ &&
        (decision.selected || rules_.MayMatchBelow(guest))) {
      if (depth >= limits_.max_depth) {
        record.error = "directory nesting deeper than " + std::to_string(limits_.max_depth);
      } else {
        found.push_back(Pending{guest, depth + 1});
      }
    }
    if (!decision.selected) return;
    try {
      if ((decision.attributes & kXattrAttributes) != 0) ReadXattrs(host, limits_, record);
      if (S_ISLNK(st.st_mode)) {
        std::string target(limits_.max_symlink_bytes + 1, '\0');
        ssize_t length = ::readlink(host.c_str(), target.data(), target.size());
        if (length < 0) throw FileProblem(ErrnoMessage("readlink", errno));
        if (static_cast<size_t>(length) > limits_.max_symlink_bytes) {
          throw FileProblem("symlink target too long");
        }
        target.resize(static_cast<size_t>(length));
        record.link_target = std::move(target);
      }
    } catch (const FileProblem& problem) {
      record.error = problem.what();
    }
    records.push_back(std::move(record));
  }

  std::string root_;
  dev_t root_dev_;
  const RuleSet& rules_;
  const ScanLimits& limits_;
  Progress& progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  unsigned active_ = 0;
  std::string failure_;
  std::atomic<std::uint64_t> files_{0};
};

}  // namespace

void ScanTree(const std::string& root_in, const RuleSet& rules, const ScanLimits& limits,
              ScanResult& result, unsigned threads, Progress& progress) {
  std::string root = root_in;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  struct stat root_stat {};
  if (::lstat(root.c_str(), &root_stat) != 0 || !S_ISDIR(root_stat.st_mode)) {
    throw SourceError(ErrnoMessage("tree root " + root + " is not a readable directory", errno));
  }
  TreeWalk walk(root, root_stat, rules, limits, progress);
  std::vector<FileRecord> records = walk.Run(std::max(1U, threads));
  // Hashing jobs: one per inode (hard links share it), read later in inode order.
  std::unordered_map<std::uint64_t, size_t> job_of_inode;
  size_t base = result.records.size();
  for (size_t i = 0; i < records.size(); ++i) {
    const FileRecord& record = records[i];
    AttributeSet digests = record.attributes & kDigestAttributes;
    if (record.type != FileType::kRegular || digests == 0 || !record.error.empty()) continue;
    size_t index = base + i;
    auto existing = job_of_inode.find(record.inode);
    if (existing != job_of_inode.end()) {
      result.jobs[existing->second].records.push_back(index);
      result.jobs[existing->second].digests |= digests;
    } else if (record.size > limits.max_file_size) {
      records[i].error = "size exceeds the hashing limit; contents not hashed";
    } else {
      ContentJob job;
      job.records.push_back(index);
      job.digests = digests;
      job.size = record.size;
      job.tree_path = walk.HostPath(record.path);
      job.order_key = record.inode;
      job_of_inode[record.inode] = result.jobs.size();
      result.jobs.push_back(std::move(job));
    }
  }
  for (auto& record : records) result.records.push_back(std::move(record));
}

}  // namespace virdomm::monitor
