// Directory-tree walk with lstat, llistxattr and readlink; contents are hashed later by path.
#include "storage/tree_source.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

}  // namespace

void ScanTree(const std::string& root_in, const RuleSet& rules, const ScanLimits& limits,
              ScanResult& result) {
  std::string root = root_in;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  struct stat root_stat {};
  if (::lstat(root.c_str(), &root_stat) != 0 || !S_ISDIR(root_stat.st_mode)) {
    throw SourceError(ErrnoMessage("tree root " + root + " is not a readable directory", errno));
  }
  auto host_path = [&](const std::string& guest) { return guest == "/" ? root : root + guest; };
  std::unordered_map<std::uint64_t, size_t> job_of_inode;
  std::uint64_t files = 0;
  std::vector<Pending> stack;

  auto visit = [&](const std::string& guest, unsigned depth) {
    if (++files > limits.max_files) throw SourceError("more than max_files entries under " + root);
    RuleDecision decision = rules.Match(guest);
    std::string host = host_path(guest);
    FileRecord record;
    record.path = guest;
    record.attributes = decision.attributes;
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0) {
      if (!decision.selected) return;
      record.error = ErrnoMessage("lstat", errno);
      result.records.push_back(std::move(record));
      return;
    }
    FillFromStat(st, record);
    if (S_ISDIR(st.st_mode) && st.st_dev == root_stat.st_dev &&
        (decision.selected || rules.MayMatchBelow(guest))) {
      if (depth >= limits.max_depth) {
        record.error = "directory nesting deeper than " + std::to_string(limits.max_depth);
      } else {
        stack.push_back(Pending{guest, depth + 1});
      }
    }
    if (!decision.selected) return;
    try {
      if ((decision.attributes & kXattrAttributes) != 0) ReadXattrs(host, limits, record);
      if (S_ISLNK(st.st_mode)) {
        std::string target(limits.max_symlink_bytes + 1, '\0');
        ssize_t length = ::readlink(host.c_str(), target.data(), target.size());
        if (length < 0) throw FileProblem(ErrnoMessage("readlink", errno));
        if (static_cast<size_t>(length) > limits.max_symlink_bytes) {
          throw FileProblem("symlink target too long");
        }
        target.resize(static_cast<size_t>(length));
        record.link_target = std::move(target);
      }
    } catch (const FileProblem& problem) {
      record.error = problem.what();
    }
    size_t index = result.records.size();
    AttributeSet digests = decision.attributes & kDigestAttributes;
    result.records.push_back(std::move(record));
    if (S_ISREG(st.st_mode) && digests != 0) {
      auto existing = job_of_inode.find(st.st_ino);
      if (existing != job_of_inode.end()) {
        result.jobs[existing->second].records.push_back(index);
        result.jobs[existing->second].digests |= digests;
      } else if (static_cast<std::uint64_t>(st.st_size) > limits.max_file_size) {
        result.records[index].error = "size exceeds the hashing limit; contents not hashed";
      } else {
        ContentJob job;
        job.records.push_back(index);
        job.digests = digests;
        job.size = static_cast<std::uint64_t>(st.st_size);
        job.tree_path = host;
        job.order_key = st.st_ino;
        job_of_inode[st.st_ino] = result.jobs.size();
        result.jobs.push_back(std::move(job));
      }
    }
  };

  visit("/", 0);
  while (!stack.empty()) {
    Pending dir = std::move(stack.back());
    stack.pop_back();
    std::string host = host_path(dir.guest);
    DirPtr handle(::opendir(host.c_str()));
    if (!handle) {
      FileRecord record;
      record.path = dir.guest;
      record.type = FileType::kDirectory;
      record.error = ErrnoMessage("opendir", errno);
      result.records.push_back(std::move(record));
      continue;
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = ::readdir(handle.get())) {
      std::string name(entry->d_name);
      if (name == "." || name == "..") continue;
      names.push_back(std::move(name));
      if (names.size() > limits.max_dir_entries) break;
    }
    std::sort(names.begin(), names.end());
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
      std::string child = dir.guest == "/" ? "/" + *it : dir.guest + "/" + *it;
      if (child.size() > limits.max_path_bytes) continue;
      visit(child, dir.depth);
    }
  }
}

}  // namespace virdomm::monitor
