// Terminal progress line for init/check/update.
#include "storage/progress.h"

#include <unistd.h>

#include <cstdio>

namespace virdomm::monitor {

bool Progress::StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(bool enabled) : enabled_(enabled) {
  if (enabled_) ticker_ = std::thread([this] { Tick(); });
}

Progress::~Progress() { Finish(); }

void Progress::SetPhase(std::string phase, std::uint64_t total_files, std::uint64_t total_bytes) {
  std::lock_guard lock(mutex_);
  phase_ = std::move(phase);
  total_files_ = total_files;
  total_bytes_ = total_bytes;
  files_done_ = 0;
  bytes_done_ = 0;
}

void Progress::Draw() {
  std::uint64_t files = files_done_.load(std::memory_order_relaxed);
  std::uint64_t bytes = bytes_done_.load(std::memory_order_relaxed);
  if (total_bytes_ > 0) {
    (void)std::fprintf(stderr, "\r%s: %llu/%llu files, %llu/%llu MB (%3.0f%%)   ", phase_.c_str(),
                       static_cast<unsigned long long>(files),
                       static_cast<unsigned long long>(total_files_),
                       static_cast<unsigned long long>(bytes / 1000000),
                       static_cast<unsigned long long>(total_bytes_ / 1000000),
                       100.0 * static_cast<double>(bytes) / static_cast<double>(total_bytes_));
  } else {
    (void)std::fprintf(stderr, "\r%s: %llu files   ", phase_.c_str(),
                       static_cast<unsigned long long>(files));
  }
  (void)std::fflush(stderr);
}

void Progress::Tick() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(250));
    if (!stop_ && !phase_.empty()) Draw();
  }
}

void Progress::Finish() {
  {
    std::lock_guard lock(mutex_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) {
    ticker_.join();
    (void)std::fprintf(stderr, "\r\033[K");
    (void)std::fflush(stderr);
  }
}

}  // namespace virdomm::monitor
