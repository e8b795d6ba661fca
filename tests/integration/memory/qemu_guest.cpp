// fork/exec of qemu-system-x86_64 with pipes; a thread copies the console into memory and a
// log file so failures can be read afterwards.
#include "qemu_guest.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace virdomm::monitor::testing {

QemuGuest::QemuGuest(std::filesystem::path kernel, std::filesystem::path initramfs,
                     std::filesystem::path ram_file, std::filesystem::path console_log)
    : ram_file_(std::move(ram_file)), console_log_(std::move(console_log)) {
  int in_pipe[2];
  int out_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::string backend =
      "memory-backend-file,id=ram,size=256M,mem-path=" + ram_file_.string() + ",share=on";
  std::vector<std::string> argv = {"qemu-system-x86_64",
                                   "-accel",
                                   "tcg",
                                   "-machine",
                                   "q35,memory-backend=ram",
                                   "-object",
                                   backend,
                                   "-m",
                                   "256M",
                                   "-smp",
                                   "1",
                                   "-cpu",
                                   "max",
                                   "-kernel",
                                   kernel.string(),
                                   "-initrd",
                                   initramfs.string(),
                                   "-append",
                                   "console=ttyS0 quiet panic=-1",
                                   "-nic",
                                   "none",
                                   "-display",
                                   "none",
                                   "-monitor",
                                   "none",
                                   "-serial",
                                   "stdio",
                                   "-no-reboot"};
  pid_ = fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(out_pipe[1], STDERR_FILENO);
    close(in_pipe[1]);
    close(out_pipe[0]);
    std::vector<char*> args;
    for (std::string& arg : argv) {
      args.push_back(arg.data());
    }
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  to_guest_ = in_pipe[1];
  from_guest_ = out_pipe[0];
  reader_ = std::thread([this] { ReadConsole(); });
}

QemuGuest::~QemuGuest() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(to_guest_);
  if (reader_.joinable()) {
    reader_.join();
  }
  close(from_guest_);
  std::error_code ignored;
  std::filesystem::remove(ram_file_, ignored);
}

void QemuGuest::ReadConsole() {
  std::ofstream log(console_log_, std::ios::binary);
  char buffer[4096];
  while (true) {
    ssize_t count = read(from_guest_, buffer, sizeof(buffer));
    if (count <= 0) {
      break;
    }
    log.write(buffer, count);
    log.flush();
    std::lock_guard lock(mutex_);
    console_.append(buffer, static_cast<std::size_t>(count));
    changed_.notify_all();
  }
  std::lock_guard lock(mutex_);
  exited_ = true;
  changed_.notify_all();
}

std::string QemuGuest::WaitForLine(const std::string& marker, std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::size_t at = console_.find(marker, consumed_);
    if (at != std::string::npos) {
      std::size_t end = console_.find('\n', at);
      if (end != std::string::npos) {
        std::size_t start = console_.rfind('\n', at);
        start = start == std::string::npos ? 0 : start + 1;
        consumed_ = end + 1;
        std::string line = console_.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
          line.pop_back();
        }
        return line;
      }
    }
    if (exited_) {
      throw std::runtime_error("guest exited before printing '" + marker + "'; console in " +
                               console_log_.string());
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      throw std::runtime_error("timed out waiting for '" + marker + "'; console in " +
                               console_log_.string());
    }
  }
}

void QemuGuest::SendLine(const std::string& line) {
  std::string data = line + "\n";
  if (write(to_guest_, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    throw std::runtime_error("cannot write to the guest console");
  }
}

}  // namespace virdomm::monitor::testing
