#include "storage/positional_read.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace virdomm::monitor {
namespace {

ssize_t ReadLoop(int fd, std::uint64_t offset, char* buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t got = ::pread(fd, buffer + done, size - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return static_cast<ssize_t>(done);
}

bool Aligned(std::uint64_t value, size_t alignment) { return value % alignment == 0; }

struct FreeDeleter {
  // aligned_alloc memory goes back through free(); NOLINTNEXTLINE(cppcoreguidelines-*)
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

size_t DirectReadAlignment(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || (flags & O_DIRECT) == 0) return 0;
  int logical_block = 0;
  if (::ioctl(fd, BLKSSZGET, &logical_block) != 0 || logical_block <= 0) return 4096;
  return static_cast<size_t>(logical_block);
}

size_t ReadPastPageCache(int block_device_fd) {
  int flags = ::fcntl(block_device_fd, F_GETFL);
  if (flags < 0 || ::fcntl(block_device_fd, F_SETFL, flags | O_DIRECT) != 0) return 0;
  return DirectReadAlignment(block_device_fd);
}

ssize_t ReadRange(int fd, std::uint64_t offset, void* buffer, size_t size, size_t alignment) {
  auto* out = static_cast<char*>(buffer);
  if (alignment == 0 || (Aligned(offset, alignment) && Aligned(size, alignment) &&
                         Aligned(reinterpret_cast<std::uintptr_t>(buffer), alignment))) {
    return ReadLoop(fd, offset, out, size);
  }
  std::uint64_t start = offset - offset % alignment;
  std::uint64_t end = offset + size;
  end += (alignment - end % alignment) % alignment;
  auto span = static_cast<size_t>(end - start);
  std::unique_ptr<char, FreeDeleter> bounce(static_cast<char*>(
      std::aligned_alloc(alignment, span)));  // NOLINT(cppcoreguidelines-no-malloc)
  if (!bounce) {
    errno = ENOMEM;
    return -1;
  }
  ssize_t got = ReadLoop(fd, start, bounce.get(), span);
  if (got < 0) return -1;
  auto skip = static_cast<size_t>(offset - start);
  size_t useful = static_cast<size_t>(got) > skip ? static_cast<size_t>(got) - skip : 0;
  if (useful > size) useful = size;
  std::memcpy(out, bounce.get() + skip, useful);
  return static_cast<ssize_t>(useful);
}

}  // namespace virdomm::monitor
