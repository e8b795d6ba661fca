#include "alerts/alert_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <system_error>
#include <thread>

#include "common/error.h"

namespace virdomm {

AlertLogWriter::AlertLogWriter(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code error;
  if (path_.has_parent_path()) {
    std::filesystem::create_directories(path_.parent_path(), error);
  }
  fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd_.Valid()) {
    ThrowErrno("open alert log " + path_.string());
  }
}

void AlertLogWriter::Append(const std::vector<DeliveredAlert>& alerts) {
  std::string text;
  for (const DeliveredAlert& alert : alerts) {
    text += FormatAlertLine(alert) + "\n";
  }
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd_.Get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      ThrowErrno("write alert log " + path_.string());
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd_.Get()) != 0) {
    ThrowErrno("fdatasync alert log " + path_.string());
  }
}

std::map<std::string, std::uint64_t> AlertLogWriter::LastSeqs(std::size_t tail_bytes) const {
  std::map<std::string, std::uint64_t> last;
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    return last;
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  auto start = static_cast<std::streamoff>(size > static_cast<std::streamoff>(tail_bytes)
                                               ? size - static_cast<std::streamoff>(tail_bytes)
                                               : 0);
  in.seekg(start);
  std::string line;
  if (start > 0) {
    std::getline(in, line);  // a partial first line
  }
  while (std::getline(in, line)) {
    try {
      DeliveredAlert alert = ParseAlertLine(line);
      std::uint64_t& seq = last[alert.spool];
      seq = std::max(seq, alert.seq);
    } catch (const Error&) {
      // not a line of ours (hand-edited, cut by a full disk): skipped
    }
  }
  return last;
}

void ReadAlertLog(const std::filesystem::path& path, bool follow,
                  const std::function<bool(const std::string&)>& line) {
  std::ifstream in;
  ino_t inode = 0;
  auto open = [&]() {
    in = std::ifstream(path, std::ios::binary);
    struct stat info {};
    inode = (in && ::stat(path.c_str(), &info) == 0) ? info.st_ino : 0;
    return static_cast<bool>(in);
  };
  if (!open() && !follow) {
    ThrowErrno("open alert log " + path.string());
  }
  std::string pending;
  while (true) {
    std::string chunk;
    while (in && std::getline(in, chunk)) {
      if (in.eof()) {
        pending += chunk;  // no newline yet: the writer is mid-line
        break;
      }
      if (!line(pending + chunk)) {
        return;
      }
      pending.clear();
    }
    if (!follow) {
      if (!pending.empty()) {
        line(pending);
      }
      return;
    }
    in.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && info.st_ino != inode) {
      open();  // rotated: the new file from its start
      pending.clear();
    }
  }
}

}  // namespace virdomm
