#include "network/child_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstring>
#include <thread>

#include "common/error.h"

extern char** environ;  // NOLINT: POSIX's, passed to posix_spawn as the child's environment

namespace virdomm::monitor {
namespace {

// posix_spawn's attribute and file-action objects, destroyed on every path.
class SpawnAttributes {
 public:
  SpawnAttributes() {
    if (int err = posix_spawnattr_init(&attr_); err != 0) {
      throw Error(ErrnoMessage("posix_spawnattr_init", err));
    }
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  posix_spawnattr_t* Get() { return &attr_; }

 private:
  posix_spawnattr_t attr_{};
};

class SpawnFileActions {
 public:
  SpawnFileActions() {
    if (int err = posix_spawn_file_actions_init(&actions_); err != 0) {
      throw Error(ErrnoMessage("posix_spawn_file_actions_init", err));
    }
  }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t* Get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

void Check(int err, const std::string& what) {
  if (err != 0) {
    throw Error(ErrnoMessage(what, err));
  }
}

}  // namespace

std::string ChildExit::Describe() const {
  if (!signaled) {
    return "exited with status " + std::to_string(code);
  }
  const char* name = sigabbrev_np(code);
  return std::string("killed by ") +
         (name != nullptr ? std::string("SIG") + name : "signal " + std::to_string(code));
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    throw Error("spawn: empty command line");
  }
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    ThrowErrno("pipe for the output of " + argv[0]);
  }
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);

  SpawnAttributes attributes;
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  Check(posix_spawnattr_setsigmask(attributes.Get(), &none), "posix_spawnattr_setsigmask");
  Check(posix_spawnattr_setsigdefault(attributes.Get(), &all), "posix_spawnattr_setsigdefault");
  Check(posix_spawnattr_setflags(attributes.Get(), POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
        "posix_spawnattr_setflags");
  SpawnFileActions actions;
  Check(posix_spawn_file_actions_addopen(actions.Get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0),
        "posix_spawn_file_actions_addopen");
  // dup2 onto 1 and 2 clears close-on-exec there; every other descriptor of ours has it set.
  Check(posix_spawn_file_actions_adddup2(actions.Get(), write_end.Get(), STDOUT_FILENO),
        "posix_spawn_file_actions_adddup2");
  Check(posix_spawn_file_actions_adddup2(actions.Get(), write_end.Get(), STDERR_FILENO),
        "posix_spawn_file_actions_adddup2");

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));  // posix_spawn's signature; not written
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  // glibc's posix_spawn reports a failed exec (ENOENT, EACCES) as its own error.
  if (int err = posix_spawn(&pid, args[0], actions.Get(), attributes.Get(), args.data(), environ);
      err != 0) {
    throw Error(ErrnoMessage("cannot start " + argv[0], err));
  }
  pid_ = pid;
  write_end.Reset();  // the child's copy alone: EOF when it ends
  if (::fcntl(read_end.Get(), F_SETFL, O_NONBLOCK) != 0) {
    ThrowErrno("fcntl O_NONBLOCK on the output pipe of " + argv[0]);
  }
  output_ = std::move(read_end);
}

ChildProcess::~ChildProcess() {
  if (!exit_) {
    try {
      Stop(std::chrono::seconds(5));
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
  }
}

std::optional<ChildExit> ChildProcess::Poll() {
  if (exit_) {
    return exit_;
  }
  int status = 0;
  pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got < 0) {
    if (errno == EINTR) {
      return std::nullopt;
    }
    ThrowErrno("waitpid " + std::to_string(pid_));
  }
  if (got == 0) {
    return std::nullopt;
  }
  if (WIFEXITED(status)) {
    exit_ = ChildExit{false, WEXITSTATUS(status)};
  } else if (WIFSIGNALED(status)) {
    exit_ = ChildExit{true, WTERMSIG(status)};
  } else {
    return std::nullopt;  // stopped or continued: still alive
  }
  return exit_;
}

void ChildProcess::Signal(int signal) const {
  if (!exit_ && ::kill(pid_, signal) != 0 && errno != ESRCH) {
    ThrowErrno("kill(" + std::to_string(pid_) + ", " + std::to_string(signal) + ")");
  }
}

ChildExit ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (Poll()) {
    return *exit_;
  }
  Signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Poll()) {
      return *exit_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Signal(SIGKILL);
  while (!Poll()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return *exit_;
}

}  // namespace virdomm::monitor
