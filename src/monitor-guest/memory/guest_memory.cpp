// Helpers shared by every guest memory source.
#include "memory/guest_memory.h"

#include <cstring>

#include "common/error.h"
#include "common/hex.h"

namespace virdomm::monitor {

FrameView::FrameView(std::vector<const uint8_t*> frames, std::vector<int> errors,
                     std::shared_ptr<const void> keeper)
    : frames_(std::move(frames)), errors_(std::move(errors)), keeper_(std::move(keeper)) {}

void ReadPhysical(GuestMemory& memory, uint64_t gpa, std::span<uint8_t> out) {
  if (out.empty()) {
    return;
  }
  uint64_t first = gpa >> kPageShift;
  uint64_t last = (gpa + out.size() - 1) >> kPageShift;
  std::vector<uint64_t> gfns;
  for (uint64_t gfn = first; gfn <= last; ++gfn) {
    gfns.push_back(gfn);
  }
  FrameView view = memory.MapFrames(gfns);
  std::size_t copied = 0;
  for (std::size_t i = 0; i < view.Count(); ++i) {
    if (view.Frame(i) == nullptr) {
      throw Error(memory.Describe() + ": guest frame " + HexNumber(gfns[i]) +
                  " is not readable: " + std::generic_category().message(view.Error(i)));
    }
    uint64_t in_page = i == 0 ? gpa & (kPageSize - 1) : 0;
    std::size_t length = std::min<std::size_t>(kPageSize - in_page, out.size() - copied);
    std::memcpy(out.data() + copied, view.Frame(i) + in_page, length);
    copied += length;
  }
}

}  // namespace virdomm::monitor
