// mmap of the RAM file; frames are pointers into it, holes are frames outside the layout.
#include "memory/file_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/error.h"
#include "common/unique_handle.h"

namespace virdomm::monitor {

FileMemory::FileMemory(const std::filesystem::path& path, const LayoutSpec& layout)
    : path_(path), layout_(layout) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) {
    ThrowErrno("open guest memory file " + path.string());
  }
  struct stat info {};
  if (::fstat(fd.Get(), &info) != 0) {
    ThrowErrno("stat guest memory file " + path.string());
  }
  if (!S_ISREG(info.st_mode)) {
    throw Error("guest memory file " + path.string() + " is not a regular file");
  }
  size_ = static_cast<uint64_t>(info.st_size);
  if (size_ < kPageSize) {
    throw Error("guest memory file " + path.string() + " is " + std::to_string(size_) +
                " bytes: too small to hold a guest's RAM");
  }
  void* mapping = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd.Get(), 0);
  if (mapping == MAP_FAILED) {
    ThrowErrno("mmap guest memory file " + path.string());
  }
  uint64_t length = size_;
  mapping_ = std::shared_ptr<const uint8_t>(
      static_cast<const uint8_t*>(mapping),
      [length](const uint8_t* address) { ::munmap(const_cast<uint8_t*>(address), length); });
  regions_ = DeriveLayout(layout, size_ & ~(kPageSize - 1));
}

std::string FileMemory::Describe() const {
  return "RAM file " + path_.string() + " (" + ToString(layout_) + " layout)";
}

uint64_t FileMemory::FrameLimit() const {
  uint64_t limit = 0;
  for (const PhysicalRegion& region : regions_) {
    limit = std::max(limit, (region.guest_physical + region.size) >> kPageShift);
  }
  return limit;
}

FrameView FileMemory::MapFrames(std::span<const uint64_t> gfns) {
  std::vector<const uint8_t*> frames(gfns.size(), nullptr);
  std::vector<int> errors(gfns.size(), 0);
  for (std::size_t i = 0; i < gfns.size(); ++i) {
    std::optional<uint64_t> offset;
    if (gfns[i] < (~uint64_t{0} >> kPageShift)) {
      offset = FileOffsetOf(regions_, gfns[i] << kPageShift);
    }
    if (offset && *offset + kPageSize <= size_) {
      frames[i] = mapping_.get() + *offset;
    } else {
      errors[i] = ENXIO;
    }
  }
  return FrameView(std::move(frames), std::move(errors), mapping_);
}

}  // namespace virdomm::monitor
