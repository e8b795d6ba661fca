// A four- or five-level x86-64 page walk over untrusted tables: present bits, 1 GiB and 2 MiB
// leaves, and no more than `levels` steps, so a garbage table ends a walk with a reason.
#include "memory/kernel_address_space.h"

#include <algorithm>
#include <cstring>
#include <system_error>

#include "common/error.h"
#include "common/hex.h"

namespace virdomm::monitor {
namespace {

const char* LevelName(unsigned level) {
  switch (level) {
    case 5:
      return "PML5";
    case 4:
      return "PML4";
    case 3:
      return "PUD";
    case 2:
      return "PMD";
    default:
      return "PTE";
  }
}

}  // namespace

KernelAddressSpace::KernelAddressSpace(GuestMemory& memory, uint64_t root_frame, unsigned levels)
    : memory_(memory), root_frame_(root_frame), levels_(levels == 5 ? 5 : 4) {}

std::optional<std::string> KernelAddressSpace::ReadEntry(uint64_t table_frame, unsigned index,
                                                         uint64_t& entry) const {
  const uint64_t frames[] = {table_frame};
  try {
    FrameView view = memory_.MapFrames(frames);
    const uint8_t* page = view.Frame(0);
    if (page == nullptr) {
      return "page-table frame " + HexNumber(table_frame) +
             " unreadable: " + std::generic_category().message(view.Error(0));
    }
    std::memcpy(&entry, page + std::size_t{index} * 8, 8);
  } catch (const Error& error) {
    return "page-table frame " + HexNumber(table_frame) + ": " + error.what();
  }
  return std::nullopt;
}

std::optional<std::string> KernelAddressSpace::Translate(uint64_t address, uint64_t& frame,
                                                         uint64_t& offset) const {
  uint64_t table = root_frame_;
  for (unsigned level = levels_; level >= 1; --level) {
    unsigned shift = 12 + 9 * (level - 1);
    auto index = static_cast<unsigned>((address >> shift) & 511);
    uint64_t entry = 0;
    if (auto error = ReadEntry(table, index, entry)) {
      return error;
    }
    if ((entry & kEntryPresent) == 0) {
      return std::string(LevelName(level)) + " entry for " + HexNumber(address) + " not present";
    }
    uint64_t next = (entry & kEntryFrameMask) >> kPageShift;
    if (level == 1 || ((level == 2 || level == 3) && (entry & kEntryPageSize) != 0)) {
      // A leaf: the frame of `address` inside it (2 MiB and 1 GiB leaves are contiguous).
      uint64_t within = address & ((uint64_t{1} << shift) - 1);
      frame = next + (within >> kPageShift);
      offset = address & (kPageSize - 1);
      return std::nullopt;
    }
    table = next;
  }
  return "page walk for " + HexNumber(address) + " found no leaf";
}

std::optional<std::string> KernelAddressSpace::ReadTable(
    uint64_t table_frame, std::span<uint64_t, kTableEntries> entries) const {
  const uint64_t frames[] = {table_frame};
  try {
    FrameView view = memory_.MapFrames(frames);
    const uint8_t* page = view.Frame(0);
    if (page == nullptr) {
      return "page-table frame " + HexNumber(table_frame) +
             " unreadable: " + std::generic_category().message(view.Error(0));
    }
    std::memcpy(entries.data(), page, kPageSize);
  } catch (const Error& error) {
    return "page-table frame " + HexNumber(table_frame) + ": " + error.what();
  }
  return std::nullopt;
}

std::optional<uint64_t> KernelAddressSpace::FrameOf(uint64_t address) const {
  uint64_t frame = 0;
  uint64_t offset = 0;
  if (Translate(address, frame, offset)) {
    return std::nullopt;
  }
  return frame;
}

VirtualRead KernelAddressSpace::Read(uint64_t address, std::span<uint8_t> out) const {
  if (!InModuleArea(address) || out.size() > kModulesEnd - address) {
    return {HexNumber(address) + " is not in the module area"};
  }
  return ReadWalked(address, out);
}

VirtualRead KernelAddressSpace::ReadKernel(uint64_t address, std::span<uint8_t> out) const {
  const uint64_t half = levels_ == 5 ? kKernelHalfStart5 : kKernelHalfStart4;
  if (address < half || out.size() > 0 - address) {
    return {HexNumber(address) + " is not a kernel address"};
  }
  return ReadWalked(address, out);
}

VirtualRead KernelAddressSpace::ReadWalked(uint64_t address, std::span<uint8_t> out) const {
  if (out.size() > kMaxRead) {
    return {"read of " + std::to_string(out.size()) + " bytes refused (at most " +
            std::to_string(kMaxRead) + ")"};
  }
  std::size_t done = 0;
  while (done < out.size()) {
    uint64_t frame = 0;
    uint64_t offset = 0;
    if (auto error = Translate(address + done, frame, offset)) {
      return {error};
    }
    const uint64_t frames[] = {frame};
    try {
      FrameView view = memory_.MapFrames(frames);
      const uint8_t* page = view.Frame(0);
      if (page == nullptr) {
        return {"frame " + HexNumber(frame) + " of " + HexNumber(address + done) +
                " unreadable: " + std::generic_category().message(view.Error(0))};
      }
      std::size_t length = std::min<std::size_t>(kPageSize - offset, out.size() - done);
      std::memcpy(out.data() + done, page + offset, length);
      done += length;
    } catch (const Error& error) {
      return {"frame " + HexNumber(frame) + ": " + error.what()};
    }
  }
  return {};
}

}  // namespace virdomm::monitor
