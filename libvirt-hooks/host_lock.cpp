// flock with a bounded wait (polling LOCK_NB: flock has no timeout of its own).
#include "host_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <thread>

#include "common/error.h"

namespace virdomm {

HostLock::HostLock(const std::string& run_dir, std::chrono::milliseconds timeout) {
  for (const std::string& dir : {run_dir, run_dir + "/hook"}) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      ThrowErrno("creating " + dir);
    }
  }
  std::string path = run_dir + "/hook/lock";
  fd_ = UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_.Valid()) {
    ThrowErrno("opening " + path);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd_.Get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      ThrowErrno("locking " + path);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error("another virdomm hook has held " + path + " for more than " +
                  std::to_string(timeout.count()) + " ms; giving up");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace virdomm
