// A child process this program started and owns: spawned without a shell from an argv, its
// stdout and stderr on a pipe the owner reads, reaped when it ends, and stopped (SIGTERM, then
// SIGKILL) when the owner lets go of it still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_handle.h"

namespace virdomm::monitor {

// How a child ended, as waitpid reported it.
struct ChildExit {
  bool signaled = false;
  int code = 0;  // the exit status, or the signal's number when `signaled`
  [[nodiscard]] std::string Describe() const;  // "exited with status 1", "killed by SIGKILL"
};

class ChildProcess {
 public:
  // Starts argv[0] (a path; no PATH search, no shell) with argv and this environment, all
  // signals at their defaults and none blocked (the owner may block some for its signalfd),
  // stdin from /dev/null and stdout and stderr into OutputFd(). Throws Error when it cannot
  // be started (the file is missing or not executable included).
  explicit ChildProcess(const std::vector<std::string>& argv);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&&) = delete;
  ChildProcess& operator=(ChildProcess&&) = delete;
  // Stops a child still running: Stop() with a short grace period.
  ~ChildProcess();

  [[nodiscard]] pid_t Pid() const { return pid_; }
  // The read end of the child's stdout and stderr, non-blocking; EOF once it has ended.
  [[nodiscard]] int OutputFd() const { return output_.Get(); }

  // Reaps the child if it has ended (waitpid WNOHANG); its exit from then on.
  std::optional<ChildExit> Poll();
  [[nodiscard]] const std::optional<ChildExit>& Exit() const { return exit_; }

  void Signal(int signal) const;
  // SIGTERM, waits up to `grace` for it to end, then SIGKILL and waits for that.
  ChildExit Stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  UniqueFd output_;
  std::optional<ChildExit> exit_;
};

}  // namespace virdomm::monitor
