// Guest memory from a file: a QEMU memory-backend-file RAM file (live, shared) or a raw dump.
#pragma once

#include <filesystem>
#include <memory>

#include "memory/guest_memory.h"
#include "memory/memory_layout.h"

namespace virdomm::monitor {

class FileMemory final : public GuestMemory {
 public:
  // Maps the whole file read-only and shared, so a live guest's writes are seen.
  FileMemory(const std::filesystem::path& path, const LayoutSpec& layout);

  [[nodiscard]] std::string Describe() const override;
  [[nodiscard]] uint64_t FrameLimit() const override;
  [[nodiscard]] FrameView MapFrames(std::span<const uint64_t> gfns) override;
  [[nodiscard]] const std::vector<PhysicalRegion>& Regions() const { return regions_; }

 private:
  std::filesystem::path path_;
  LayoutSpec layout_;
  std::vector<PhysicalRegion> regions_;
  std::shared_ptr<const uint8_t> mapping_;  // unmapped when the last FrameView goes
  uint64_t size_ = 0;
};

}  // namespace virdomm::monitor
