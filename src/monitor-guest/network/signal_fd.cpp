#include "network/signal_fd.h"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace virdomm::monitor {

SignalFd::SignalFd(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : signals) {
    sigaddset(&set, signal);
  }
  if (int err = pthread_sigmask(SIG_BLOCK, &set, &previous_); err != 0) {
    throw Error(ErrnoMessage("pthread_sigmask", err));
  }
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    throw Error(ErrnoMessage("signalfd", err));
  }
  fd_.Reset(fd);
}

SignalFd::~SignalFd() {
  fd_.Reset();
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

std::vector<int> SignalFd::Take() {
  std::vector<int> taken;
  signalfd_siginfo info{};
  while (::read(fd_.Get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    taken.push_back(static_cast<int>(info.ssi_signo));
  }
  return taken;
}

}  // namespace virdomm::monitor
