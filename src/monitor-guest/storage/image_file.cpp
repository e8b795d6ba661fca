// Read-only raw image access with pread; block devices past the page cache.
#include "storage/image_file.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "storage/positional_read.h"

namespace virdomm::monitor {

ImageFile ImageFile::Open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) ThrowErrno("open image " + path + " read-only");
  return FromFd(std::move(fd), path);
}

ImageFile ImageFile::FromFd(UniqueFd fd, std::string name) {
  struct stat st {};
  if (::fstat(fd.Get(), &st) != 0) ThrowErrno("stat image " + name);
  std::uint64_t size = 0;
  if (S_ISBLK(st.st_mode)) {
    if (::ioctl(fd.Get(), BLKGETSIZE64, &size) != 0) ThrowErrno("size of block device " + name);
    size_t alignment = ReadPastPageCache(fd.Get());
    if (alignment == 0) {
      // Cached reads after all: drop what an earlier scan cached, so this one reads the disk.
      ::posix_fadvise(fd.Get(), 0, 0, POSIX_FADV_DONTNEED);
    }
    return ImageFile(std::move(fd), std::move(name), size, alignment);
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error("image " + name + " is neither a regular file nor a block device");
  }
  // The kernel's readahead suits the mostly ascending order the checker reads in.
  ::posix_fadvise(fd.Get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return ImageFile(std::move(fd), std::move(name), static_cast<std::uint64_t>(st.st_size), 0);
}

size_t ImageFile::ReadAt(std::uint64_t offset, void* buffer, size_t size) const {
  if (offset >= size_) return 0;
  if (size > size_ - offset) size = static_cast<size_t>(size_ - offset);
  ssize_t got = ReadRange(fd_.Get(), offset, buffer, size, direct_alignment_);
  if (got < 0) {
    ThrowErrno("read " + std::to_string(size) + " bytes at " + std::to_string(offset) +
               " of image " + name_);
  }
  overlay_.Patch(offset, buffer, static_cast<size_t>(got));
  return static_cast<size_t>(got);
}

ReadAtFn ImageFile::Reader() const {
  return [this](std::uint64_t offset, void* buffer, size_t size) {
    return ReadAt(offset, buffer, size);
  };
}

}  // namespace virdomm::monitor
