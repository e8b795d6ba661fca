// One owner type for every C handle: a unique_ptr with the library's own release function.
#pragma once

#include <memory>
#include <type_traits>

namespace virdomm {

// Wraps a release function as a stateless deleter, e.g. UniqueHandle<xmlDoc, xmlFreeDoc>.
template <auto ReleaseFn>
struct CallRelease {
  template <typename T>
  void operator()(T* handle) const noexcept {
    if (handle != nullptr) {
      ReleaseFn(handle);
    }
  }
};

template <typename T, auto ReleaseFn>
using UniqueHandle = std::unique_ptr<T, CallRelease<ReleaseFn>>;

// Owns a POSIX file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset(other.Release());
    }
    return *this;
  }
  ~UniqueFd() { Reset(); }

  [[nodiscard]] int Get() const { return fd_; }
  [[nodiscard]] bool Valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace virdomm
