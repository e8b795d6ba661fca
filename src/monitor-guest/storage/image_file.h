// A raw disk image or block device opened read-only; positional reads only.
#pragma once

#include <cstdint>
#include <string>

#include "common/unique_handle.h"
#include "storage/block_overlay.h"
#include "storage/partition_table.h"

namespace virdomm::monitor {

class ImageFile {
 public:
  // Opens with O_RDONLY: the checker never writes to the image. A block device is then read
  // past the page cache (O_DIRECT): see positional_read.h.
  static ImageFile Open(const std::string& path);
  // Takes an already open descriptor (tests and the fuzzer use a memfd).
  static ImageFile FromFd(UniqueFd fd, std::string name);

  [[nodiscard]] int Fd() const { return fd_.Get(); }
  [[nodiscard]] std::uint64_t Size() const { return size_; }
  [[nodiscard]] const std::string& Name() const { return name_; }
  // Reads up to `size` bytes at `offset`; short only at the end of the image. Throws on errors.
  // Bytes the overlay replaces (a replayed journal) are read from it.
  size_t ReadAt(std::uint64_t offset, void* buffer, size_t size) const;
  [[nodiscard]] ReadAtFn Reader() const;
  // The replayed journal blocks of the image's volumes, added while the volumes are opened and
  // only read afterwards.
  [[nodiscard]] BlockOverlay& Overlay() { return overlay_; }
  [[nodiscard]] const BlockOverlay& Overlay() const { return overlay_; }

 private:
  ImageFile(UniqueFd fd, std::string name, std::uint64_t size, size_t direct_alignment)
      : fd_(std::move(fd)),
        name_(std::move(name)),
        size_(size),
        direct_alignment_(direct_alignment) {}
  UniqueFd fd_;
  std::string name_;
  std::uint64_t size_ = 0;
  size_t direct_alignment_ = 0;  // block devices are read with O_DIRECT (positional_read.h)
  BlockOverlay overlay_;
};

}  // namespace virdomm::monitor
