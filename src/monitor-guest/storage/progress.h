// A one-line progress display on a terminal (stderr), silent when stderr is not a terminal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace virdomm::monitor {

// Counters the workers bump; a ticker thread redraws the line a few times per second.
class Progress {
 public:
  // With `enabled` false nothing is drawn (the counters still count).
  explicit Progress(bool enabled);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  void SetPhase(std::string phase, std::uint64_t total_files, std::uint64_t total_bytes);
  void AddDone(std::uint64_t files, std::uint64_t bytes) {
    files_done_.fetch_add(files, std::memory_order_relaxed);
    bytes_done_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void Finish();

  // True when stderr is a terminal: the default for `enabled`.
  static bool StderrIsTerminal();

 private:
  void Draw();
  void Tick();

  bool enabled_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string phase_;
  std::uint64_t total_files_ = 0;
  std::uint64_t total_bytes_ = 0;
  std::atomic<std::uint64_t> files_done_{0};
  std::atomic<std::uint64_t> bytes_done_{0};
  std::thread ticker_;
};

}  // namespace virdomm::monitor
