// One hook at a time per host: both members of a pair may reach `started` at once, and only one
// of them may bind. An flock on <run_dir>/hook/lock, waited for with a bound.
#pragma once

#include <chrono>
#include <string>

#include "common/unique_handle.h"

namespace virdomm {

class HostLock {
 public:
  // Creates the directory if needed and waits up to `timeout`; throws Error when the lock
  // stays taken (another hook is stuck) or cannot be created.
  HostLock(const std::string& run_dir, std::chrono::milliseconds timeout);

 private:
  UniqueFd fd_;  // closing it releases the lock
};

}  // namespace virdomm
