// Banner probe at every 2 MiB-aligned candidate, fallback scan for "Linux version " to name
// what runs instead, then text-page agreement and the KASLR virtual offset.
#include "memory/kernel_locator.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "common/hex.h"
#include "memory/byte_reader.h"

namespace virdomm::monitor {
namespace {

constexpr std::size_t kBatchFrames = 1024;
// Below this share of byte-identical text pages the image is not what runs. A booted 6.1
// kernel keeps ~25% of its text pages as in the file (relocations, alternatives, ftrace NOPs
// change the rest); another build of the same version keeps almost none.
constexpr double kMinEqualTextShare = 0.05;
constexpr std::string_view kBannerPrefix = "Linux version ";

// Reads up to `length` bytes at gpa; false if any frame is a hole.
bool TryRead(GuestMemory& memory, uint64_t gpa, std::span<uint8_t> out) {
  try {
    ReadPhysical(memory, gpa, out);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Looks for any "Linux version " string in memory to tell the user what runs instead.
std::string FindAnyBanner(GuestMemory& memory) {
  uint64_t limit = memory.FrameLimit();
  std::vector<uint64_t> gfns;
  for (uint64_t first = 0; first < limit; first += kBatchFrames) {
    gfns.clear();
    for (uint64_t gfn = first; gfn < std::min(limit, first + kBatchFrames); ++gfn) {
      gfns.push_back(gfn);
    }
    FrameView view = memory.MapFrames(gfns);
    for (std::size_t i = 0; i < view.Count(); ++i) {
      const uint8_t* frame = view.Frame(i);
      if (frame == nullptr) {
        continue;
      }
      const void* hit = memmem(frame, kPageSize, kBannerPrefix.data(), kBannerPrefix.size());
      if (hit == nullptr) {
        continue;
      }
      auto offset = static_cast<std::size_t>(static_cast<const uint8_t*>(hit) - frame);
      std::string text(reinterpret_cast<const char*>(frame) + offset,
                       std::min<std::size_t>(200, kPageSize - offset));
      text = text.substr(0, text.find_first_of(std::string("\n\0", 2)));
      // A real banner names a compiler in parentheses; skip format strings and fragments.
      if (text.find('(') != std::string::npos && text.find('#') != std::string::npos) {
        return text;
      }
    }
  }
  return {};
}

}  // namespace

uint64_t TextPhysicalFromBanner(uint64_t banner_physical, uint64_t banner_link,
                                uint64_t text_link) {
  return banner_physical - (banner_link - text_link);
}

KernelPlacement LocateKernel(GuestMemory& memory, const KernelModel& model) {
  const std::string& banner = model.banner;
  uint64_t banner_delta = model.banner_link - model.text_link;
  uint64_t limit_bytes = memory.FrameLimit() << kPageShift;

  // Every 2 MiB-aligned _text candidate puts the banner at candidate + delta.
  std::vector<uint64_t> candidates;
  std::vector<uint8_t> probe(banner.size());
  for (uint64_t text = 0; text + banner_delta + banner.size() <= limit_bytes;
       text += kKernelAlign) {
    if (TryRead(memory, text + banner_delta, probe) &&
        std::memcmp(probe.data(), banner.data(), banner.size()) == 0) {
      candidates.push_back(text);
    }
  }
  if (candidates.empty()) {
    std::string running = FindAnyBanner(memory);
    if (running.empty()) {
      throw Error("no Linux kernel found in " + memory.Describe() + " (" +
                  std::to_string(limit_bytes >> 20) +
                  " MiB searched): not a running Linux guest's memory, the wrong layout, or "
                  "garbage");
    }
    throw Error("the kernel image (" + model.release + ") does not match the running kernel in " +
                memory.Describe() + ", which says: " + running);
  }

  // Score candidates by text pages identical to the image (normally one candidate).
  const KernelRegion& text = model.regions.front();
  KernelPlacement best;
  uint64_t first_page = (text.start + kPageSize - 1) & ~(kPageSize - 1);
  for (uint64_t candidate : candidates) {
    KernelPlacement placement;
    placement.text_physical = candidate;
    std::vector<uint64_t> gfns;
    for (uint64_t page = first_page; page + kPageSize <= text.end; page += kPageSize) {
      gfns.push_back(placement.PhysicalOf(page, model.text_link) >> kPageShift);
    }
    FrameView view = memory.MapFrames(gfns);  // one batch: one hypercall on Xen
    for (std::size_t i = 0; i < view.Count(); ++i) {
      auto image = model.LinkBytes(first_page + i * kPageSize, kPageSize);
      if (image.empty() || view.Frame(i) == nullptr) {
        continue;
      }
      ++placement.text_pages;
      placement.text_pages_equal += std::memcmp(image.data(), view.Frame(i), kPageSize) == 0;
    }
    if (placement.text_pages_equal >= best.text_pages_equal) {
      best = placement;
    }
  }
  if (best.text_pages == 0 || static_cast<double>(best.text_pages_equal) <
                                  kMinEqualTextShare * static_cast<double>(best.text_pages)) {
    throw Error("the kernel image's banner is in " + memory.Describe() + " at " +
                HexNumber(best.text_physical + banner_delta) + " but only " +
                std::to_string(best.text_pages_equal) + " of " + std::to_string(best.text_pages) +
                " text pages equal the image: a different build of " + model.release +
                " runs; refusing the image");
  }
  best.running_banner = banner;

  // KASLR virtual offset: a pointer in .rodata as it runs minus its link-time value.
  if (model.sys_call_table != 0) {
    auto link = model.LinkBytes(model.sys_call_table, 8);
    std::vector<uint8_t> running(8);
    if (!link.empty() &&
        TryRead(memory, best.PhysicalOf(model.sys_call_table, model.text_link), running)) {
      uint64_t link_value = ReadLe<uint64_t>(link, 0, "sys_call_table[0]");
      uint64_t running_value = ReadLe<uint64_t>(running, 0, "sys_call_table[0]");
      auto offset = static_cast<int64_t>(running_value - link_value);
      if (offset % static_cast<int64_t>(kKernelAlign) == 0 && offset >= 0 &&
          offset < (int64_t{1} << 30)) {
        best.virtual_offset = offset;
      }
    }
  }
  return best;
}

}  // namespace virdomm::monitor
