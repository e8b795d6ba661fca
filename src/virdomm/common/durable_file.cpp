#include "common/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/error.h"
#include "common/unique_handle.h"

namespace virdomm {

void SyncDirectory(const std::filesystem::path& directory) {
  UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.Valid()) {
    ThrowErrno("open directory " + directory.string() + " (to sync it)");
  }
  if (::fsync(fd.Get()) != 0) {
    ThrowErrno("fsync directory " + directory.string());
  }
}

void WriteFileDurably(const std::filesystem::path& path, std::string_view contents, unsigned mode,
                      IfExists if_exists) {
  std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
  // The pid keeps writers of different processes apart; a rename is atomic for each of them.
  std::filesystem::path temporary =
      directory / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
  auto fail = [&temporary](const std::string& what, int err) {
    ::unlink(temporary.c_str());
    throw Error(ErrnoMessage(what, err));
  };
  // A temporary file a crashed writer of the same pid left is replaced, never reused: the new
  // one gets `mode`.
  ::unlink(temporary.c_str());
  {
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd.Valid()) {
      ThrowErrno("create " + temporary.string());
    }
    std::size_t written = 0;
    while (written < contents.size()) {
      ssize_t n = ::write(fd.Get(), contents.data() + written, contents.size() - written);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        fail("write " + temporary.string(), errno);
      }
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.Get()) != 0) {
      fail("fsync " + temporary.string(), errno);
    }
  }
  if (if_exists == IfExists::kRefuse) {
    // link() fails with EEXIST instead of replacing: the no-replace form of rename.
    if (::link(temporary.c_str(), path.c_str()) != 0) {
      int err = errno;
      fail(err == EEXIST ? "create " + path.string() + " (it exists; it is never replaced)"
                         : "link " + temporary.string() + " to " + path.string(),
           err);
    }
    ::unlink(temporary.c_str());
  } else if (::rename(temporary.c_str(), path.c_str()) != 0) {
    fail("rename " + temporary.string() + " to " + path.string(), errno);
  }
  SyncDirectory(directory);
}

}  // namespace virdomm
