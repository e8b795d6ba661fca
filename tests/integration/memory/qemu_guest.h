// A real Linux guest under QEMU TCG for the memory tests: RAM in a shared file, serial console
// on pipes (commands in, lines out), no network.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace virdomm::monitor::testing {

class QemuGuest {
 public:
  QemuGuest(std::filesystem::path kernel, std::filesystem::path initramfs,
            std::filesystem::path ram_file, std::filesystem::path console_log);
  QemuGuest(const QemuGuest&) = delete;
  QemuGuest& operator=(const QemuGuest&) = delete;
  ~QemuGuest();

  // Waits until a console line contains `marker`; returns that line. Throws on timeout or exit.
  std::string WaitForLine(const std::string& marker, std::chrono::seconds timeout);
  void SendLine(const std::string& line);
  [[nodiscard]] const std::filesystem::path& RamFile() const { return ram_file_; }

 private:
  void ReadConsole();

  std::filesystem::path ram_file_;
  std::filesystem::path console_log_;
  pid_t pid_ = -1;
  int to_guest_ = -1;
  int from_guest_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string console_;
  std::size_t consumed_ = 0;  // console bytes already matched by WaitForLine
  bool exited_ = false;
};

}  // namespace virdomm::monitor::testing
