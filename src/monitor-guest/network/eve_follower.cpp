#include "network/eve_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace virdomm::monitor {

EveFollower::EveFollower(std::filesystem::path path, std::size_t max_line)
    : path_(std::move(path)), max_line_(max_line) {}

bool EveFollower::OpenCurrent() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return false;
    }
    ThrowErrno("open " + path_.string());
  }
  UniqueFd opened(fd);
  struct stat info {};
  if (::fstat(opened.Get(), &info) != 0) {
    ThrowErrno("fstat " + path_.string());
  }
  fd_ = std::move(opened);
  inode_ = info.st_ino;
  device_ = info.st_dev;
  offset_ = 0;
  partial_.clear();
  skipping_ = 0;
  return true;
}

void EveFollower::Split(const char* data, std::size_t size, std::vector<FollowedLine>& lines) {
  std::size_t start = 0;
  while (start < size) {
    const void* found = std::memchr(data + start, '\n', size - start);
    std::size_t end =
        found != nullptr ? static_cast<std::size_t>(static_cast<const char*>(found) - data) : size;
    std::size_t piece = end - start;
    if (skipping_ > 0 || partial_.size() + piece > max_line_) {
      // Over the bound: count its bytes, keep none of them.
      skipping_ += partial_.size() + piece;
      partial_.clear();
    } else {
      partial_.append(data + start, piece);
    }
    if (found == nullptr) {
      return;
    }
    if (skipping_ > 0) {
      lines.push_back({"", true, skipping_});
      skipping_ = 0;
    } else {
      std::size_t bytes = partial_.size();
      lines.push_back({std::move(partial_), false, bytes});
      partial_.clear();
    }
    start = end + 1;
  }
}

void EveFollower::ReadAvailable(std::vector<FollowedLine>& lines) {
  std::array<char, std::size_t{64} * 1024> buffer{};
  while (true) {
    ssize_t got = ::pread(fd_.Get(), buffer.data(), buffer.size(), static_cast<off_t>(offset_));
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      ThrowErrno("read " + path_.string() + " at offset " + std::to_string(offset_));
    }
    if (got == 0) {
      return;
    }
    offset_ += static_cast<std::uint64_t>(got);
    Split(buffer.data(), static_cast<std::size_t>(got), lines);
  }
}

std::vector<FollowedLine> EveFollower::Poll() {
  std::vector<FollowedLine> lines;
  if (!fd_.Valid() && !OpenCurrent()) {
    return lines;
  }
  struct stat open_info {};
  if (::fstat(fd_.Get(), &open_info) != 0) {
    ThrowErrno("fstat " + path_.string());
  }
  if (static_cast<std::uint64_t>(open_info.st_size) < offset_) {
    notice_ = path_.filename().string() + " was truncated: reading it again from the start";
    offset_ = 0;
    partial_.clear();
    skipping_ = 0;
  }
  ReadAvailable(lines);
  struct stat named {};
  if (::stat(path_.c_str(), &named) != 0) {
    if (errno != ENOENT) {
      ThrowErrno("stat " + path_.string());
    }
    return lines;  // renamed away, the new one not made yet: the old one may still grow
  }
  if (named.st_ino != inode_ || named.st_dev != device_) {
    // The old file was read to its end above; a line it left unfinished is lost.
    notice_ = path_.filename().string() + " was replaced (rotated): following the new file" +
              (partial_.empty() && skipping_ == 0 ? "" : "; an unfinished last line is dropped");
    if (OpenCurrent()) {
      ReadAvailable(lines);
    }
  }
  return lines;
}

std::string EveFollower::TakeNotice() {
  std::string notice;
  notice.swap(notice_);
  return notice;
}

}  // namespace virdomm::monitor
