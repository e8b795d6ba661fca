// Where each guest-physical range lives in a RAM file: QEMU puts RAM above the low-memory cut
// at 4 GiB (q35: cut at 2 GiB once RAM ≥ 2.75 GiB; pc: 3 GiB once RAM ≥ 3.5 GiB).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virdomm::monitor {

struct PhysicalRegion {
  uint64_t guest_physical = 0;
  uint64_t file_offset = 0;
  uint64_t size = 0;
};

enum class LayoutKind { kQ35, kPc, kFlat, kLowmem };
std::string ToString(LayoutKind kind);

struct LayoutSpec {
  LayoutKind kind = LayoutKind::kQ35;
  uint64_t lowmem = 0;  // only for kLowmem
};

// Parses "q35", "pc", "flat" or "lowmem=SIZE" (SIZE in bytes, hex with 0x, or with K/M/G).
LayoutSpec ParseLayoutSpec(std::string_view text);
std::string ToString(const LayoutSpec& spec);

// The regions of a RAM file of `file_size` bytes under `spec`, ordered by guest address.
std::vector<PhysicalRegion> DeriveLayout(const LayoutSpec& spec, uint64_t file_size);

// Offset in the file of guest-physical address `gpa`, or nullopt for a hole.
std::optional<uint64_t> FileOffsetOf(const std::vector<PhysicalRegion>& regions, uint64_t gpa);

}  // namespace virdomm::monitor
