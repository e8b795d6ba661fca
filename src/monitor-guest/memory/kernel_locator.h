// Finds a known kernel in guest-physical memory without vCPU registers: the banner at its
// place relative to _text, _text 2 MiB aligned (KASLR), then checks the image really runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "memory/guest_memory.h"
#include "memory/kernel_model.h"

namespace virdomm::monitor {

inline constexpr uint64_t kKernelAlign = uint64_t{2} << 20;  // CONFIG_PHYSICAL_ALIGN

struct KernelPlacement {
  uint64_t text_physical = 0;             // pa(_text)
  std::optional<int64_t> virtual_offset;  // KASLR: runtime va(_text) - link va(_text)
  std::string running_banner;
  std::size_t text_pages = 0;        // pages of text compared with the image
  std::size_t text_pages_equal = 0;  // of which byte-identical to the image
  [[nodiscard]] uint64_t PhysicalOf(uint64_t link_address, uint64_t text_link) const {
    return text_physical + (link_address - text_link);
  }
};

// pa(_text) = pa(banner) - (va(banner) - va(_text)); a candidate only where that is aligned.
uint64_t TextPhysicalFromBanner(uint64_t banner_physical, uint64_t banner_link, uint64_t text_link);

// Throws Error when the kernel is not found, with the banner of what does run if any, or when
// the image's text does not match the running kernel's.
KernelPlacement LocateKernel(GuestMemory& memory, const KernelModel& model);

}  // namespace virdomm::monitor
