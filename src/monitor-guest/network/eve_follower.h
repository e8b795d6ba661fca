// Follows a file that another process appends lines to (Suricata's eve.json), like `tail -F`:
// by inode and offset, across a rotation (the file renamed or removed and a new one made: the
// old one is read to its end first) and a truncation (read again from the start).
#pragma once

#include <sys/types.h>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/unique_handle.h"

namespace virdomm::monitor {

struct FollowedLine {
  std::string text;        // without its newline; empty when `over_long`
  bool over_long = false;  // longer than the bound: skipped up to its newline
  std::size_t bytes = 0;   // the line's length as written
};

class EveFollower {
 public:
  // Nothing is read until the file exists. Lines longer than `max_line` are skipped.
  EveFollower(std::filesystem::path path, std::size_t max_line);

  // Every complete line appended since the last call (a line still being written waits for
  // its newline). Throws Error when the file exists but cannot be read.
  std::vector<FollowedLine> Poll();

  // What changed under the reader since the last call, for a log line: "" when nothing, else
  // e.g. "eve.json was rotated (new inode)" or "eve.json was truncated".
  std::string TakeNotice();

  [[nodiscard]] const std::filesystem::path& Path() const { return path_; }

 private:
  void ReadAvailable(std::vector<FollowedLine>& lines);
  void Split(const char* data, std::size_t size, std::vector<FollowedLine>& lines);
  bool OpenCurrent();

  std::filesystem::path path_;
  std::size_t max_line_;
  UniqueFd fd_;
  ino_t inode_ = 0;
  dev_t device_ = 0;
  std::uint64_t offset_ = 0;
  std::string partial_;       // the start of a line without its newline yet
  std::size_t skipping_ = 0;  // > 0: inside an over-long line, this many bytes so far
  std::string notice_;
};

}  // namespace virdomm::monitor
