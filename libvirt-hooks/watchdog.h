// A bound on the hook's whole run: libvirt waits for hooks without a timeout while holding the
// domain's lock, and a stuck xenstored would block libxenstore forever. When the deadline
// passes the process writes its reason to stderr and syslog and exits with the given code.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace virdomm {

class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds deadline, int exit_code, std::string message);
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  // Stops the watch: the run finished in time.
  ~Watchdog();

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace virdomm
