// Closing of owned file descriptors.
#include "common/unique_handle.h"

#include <unistd.h>

namespace virdomm {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) {
    // close() errors on a read-only or already-flushed descriptor carry nothing to act on.
    (void)::close(fd_);
  }
  fd_ = fd;
}

}  // namespace virdomm
