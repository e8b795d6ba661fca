// Deadline thread; on expiry only async-safe-enough calls (write, syslog, _exit) are made.
#include "watchdog.h"

#include <syslog.h>
#include <unistd.h>

namespace virdomm {

Watchdog::Watchdog(std::chrono::milliseconds deadline, int exit_code, std::string message) {
  thread_ = std::thread([this, deadline, exit_code, message = std::move(message)] {
    std::unique_lock lock(mutex_);
    if (done_cv_.wait_for(lock, deadline, [this] { return done_; })) {
      return;
    }
    std::string line = message + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    syslog(LOG_ERR, "%s", message.c_str());
    ::_exit(exit_code);
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
  thread_.join();
}

}  // namespace virdomm
