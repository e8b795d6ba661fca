// Guest-physical memory behind one interface, whatever holds it (Xen foreign mappings, a RAM
// file): read-only views of 4 KiB frames with an error per frame for holes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace virdomm::monitor {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr unsigned kPageShift = 12;

// A set of frames mapped read-only; each frame is either readable or has an errno-style error.
// Whatever keeps the mapping alive (a foreign mapping, a file mapping) is released with it.
class FrameView {
 public:
  FrameView(std::vector<const uint8_t*> frames, std::vector<int> errors,
            std::shared_ptr<const void> keeper);
  FrameView() = default;
  FrameView(const FrameView&) = delete;
  FrameView& operator=(const FrameView&) = delete;
  FrameView(FrameView&&) noexcept = default;
  FrameView& operator=(FrameView&&) noexcept = default;
  ~FrameView() = default;

  [[nodiscard]] std::size_t Count() const { return frames_.size(); }
  // Contents of frame i, or nullptr when Error(i) != 0.
  [[nodiscard]] const uint8_t* Frame(std::size_t i) const { return frames_[i]; }
  [[nodiscard]] int Error(std::size_t i) const { return errors_[i]; }

 private:
  std::vector<const uint8_t*> frames_;
  std::vector<int> errors_;
  std::shared_ptr<const void> keeper_;
};

class GuestMemory {
 public:
  GuestMemory() = default;
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;
  virtual ~GuestMemory() = default;

  // "Xen domain 7", "RAM file /dev/shm/ram (q35 layout)": for messages.
  [[nodiscard]] virtual std::string Describe() const = 0;
  // One past the highest guest frame number that may hold RAM.
  [[nodiscard]] virtual uint64_t FrameLimit() const = 0;
  // Maps the given guest frame numbers read-only. Frames that are holes or beyond the memory
  // come back with an error, never as an exception; failure of the whole request throws.
  [[nodiscard]] virtual FrameView MapFrames(std::span<const uint64_t> gfns) = 0;
};

// Copies [gpa, gpa + out.size()) into `out`; throws Error naming the first unreadable frame.
void ReadPhysical(GuestMemory& memory, uint64_t gpa, std::span<uint8_t> out);

}  // namespace virdomm::monitor
