// Reads the guest kernel's virtual memory outside its image (the module area: modules, ftrace
// and BPF trampolines) by walking the kernel's own page tables from init_top_pgt, whose place
// the trusted image gives. Guest memory is untrusted: every walk is bounded, every failure is a
// reason in words, never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "memory/guest_memory.h"

namespace virdomm::monitor {

// x86-64 with CONFIG_RANDOMIZE_BASE (Debian's kernels): MODULES_VADDR is __START_KERNEL_map +
// KERNEL_IMAGE_SIZE (1 GiB), whatever the KASLR offset; MODULES_END is where the fixmap starts.
inline constexpr uint64_t kModulesStart = 0xffffffffc0000000;
inline constexpr uint64_t kModulesEnd = 0xffffffffff000000;
constexpr bool InModuleArea(uint64_t address) {
  return address >= kModulesStart && address < kModulesEnd;
}
// Where the upper, kernel half of the address space starts: with 4-level tables, and with LA57
// (5-level), where the direct map and vmalloc move down (the direct map at 0xff11… and up).
inline constexpr uint64_t kKernelHalfStart4 = 0xffff800000000000;
inline constexpr uint64_t kKernelHalfStart5 = 0xff00000000000000;

inline constexpr unsigned kTableEntries = 512;
inline constexpr uint64_t kEntryPresent = 1;
inline constexpr uint64_t kEntryPageSize = uint64_t{1} << 7;  // a leaf above the last level
inline constexpr uint64_t kEntryNoExecute = uint64_t{1} << 63;
inline constexpr uint64_t kEntryFrameMask = 0x000ffffffffff000;  // bits 12..51: the next frame

// What one read gave: the bytes, or why not.
struct VirtualRead {
  std::optional<std::string> error;  // empty when every byte was read
  [[nodiscard]] bool Ok() const { return !error; }
};

class KernelAddressSpace {
 public:
  // `root_frame`: the frame of the top-level table as the guest's page-table entries name
  // frames (guest-physical for a RAM file or an HVM/PVH guest, machine frames for a PV guest:
  // what GuestMemory::MapFrames takes in either case). `levels`: 4, or 5 with LA57.
  KernelAddressSpace(GuestMemory& memory, uint64_t root_frame, unsigned levels);

  // Copies [address, address + out.size()) of the module area into `out` (at most
  // kMaxRead bytes); anything else is refused with its reason.
  VirtualRead Read(uint64_t address, std::span<uint8_t> out) const;

  // The same for kernel data outside the module area (kmalloc'd list entries that name module
  // area code: kprobe slot pages, BPF program packs and symbols), in the kernel half.
  VirtualRead ReadKernel(uint64_t address, std::span<uint8_t> out) const;

  // The frame (as the page tables name it) holding a kernel address, or nullopt.
  [[nodiscard]] std::optional<uint64_t> FrameOf(uint64_t address) const;

  // One page-table frame's 512 entries, for walks over whole ranges; nullopt when read.
  [[nodiscard]] std::optional<std::string> ReadTable(
      uint64_t table_frame, std::span<uint64_t, kTableEntries> entries) const;
  [[nodiscard]] uint64_t RootFrame() const { return root_frame_; }
  [[nodiscard]] unsigned Levels() const { return levels_; }

  static constexpr std::size_t kMaxRead = std::size_t{64} << 10;

 private:
  [[nodiscard]] VirtualRead ReadWalked(uint64_t address, std::span<uint8_t> out) const;
  // The frame holding `address` and the offset in it, or the reason it has none.
  [[nodiscard]] std::optional<std::string> Translate(uint64_t address, uint64_t& frame,
                                                     uint64_t& offset) const;
  [[nodiscard]] std::optional<std::string> ReadEntry(uint64_t table_frame, unsigned index,
                                                     uint64_t& entry) const;

  GuestMemory& memory_;
  uint64_t root_frame_;
  unsigned levels_;
};

}  // namespace virdomm::monitor
