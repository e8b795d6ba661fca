// Signals taken as readable data instead of handlers: the signals named are blocked in the
// calling thread and delivered through a signalfd the owner polls beside its other fds, so no
// handler and no global flag is needed. The previous signal mask comes back on destruction.
// Children started by ChildProcess get an empty mask (posix_spawn's SETSIGMASK).
#pragma once

#include <csignal>
#include <initializer_list>
#include <vector>

#include "common/unique_handle.h"

namespace virdomm::monitor {

class SignalFd {
 public:
  explicit SignalFd(std::initializer_list<int> signals);  // throws Error
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;
  ~SignalFd();

  [[nodiscard]] int Fd() const { return fd_.Get(); }
  // The signals pending now, each once per delivery (the fd is non-blocking).
  std::vector<int> Take();

 private:
  sigset_t previous_{};
  UniqueFd fd_;
};

}  // namespace virdomm::monitor
