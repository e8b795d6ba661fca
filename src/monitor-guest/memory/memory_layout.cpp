// QEMU's below/above-4G split (hw/i386/pc_q35.c, pc_piix.c) as data, so tests can pin it.
#include "memory/memory_layout.h"

#include <algorithm>
#include <charconv>

#include "common/error.h"

namespace virdomm::monitor {
namespace {

constexpr uint64_t kFourGiB = uint64_t{4} << 30;
constexpr uint64_t kQ35SplitThreshold = 0xb0000000;
constexpr uint64_t kQ35Lowmem = 0x80000000;
constexpr uint64_t kPcSplitThreshold = 0xe0000000;
constexpr uint64_t kPcLowmem = 0xc0000000;

uint64_t ParseSize(std::string_view text) {
  if (text.empty()) {
    throw Error("layout: empty size");
  }
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text.remove_prefix(2);
  }
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc()) {
    throw Error("layout: bad size '" + std::string(text) + "'");
  }
  std::string_view suffix(ptr, text.data() + text.size() - ptr);
  unsigned shift = 0;
  if (suffix == "K" || suffix == "k") {
    shift = 10;
  } else if (suffix == "M" || suffix == "m") {
    shift = 20;
  } else if (suffix == "G" || suffix == "g") {
    shift = 30;
  } else if (!suffix.empty()) {
    throw Error("layout: bad size suffix '" + std::string(suffix) + "' (use K, M or G)");
  }
  if (value > (~uint64_t{0} >> shift)) {
    throw Error("layout: size too large");
  }
  return value << shift;
}

}  // namespace

std::string ToString(LayoutKind kind) {
  switch (kind) {
    case LayoutKind::kQ35:
      return "q35";
    case LayoutKind::kPc:
      return "pc";
    case LayoutKind::kFlat:
      return "flat";
    case LayoutKind::kLowmem:
      return "lowmem";
  }
  return "unknown";
}

LayoutSpec ParseLayoutSpec(std::string_view text) {
  if (text == "q35") {
    return {LayoutKind::kQ35, 0};
  }
  if (text == "pc") {
    return {LayoutKind::kPc, 0};
  }
  if (text == "flat") {
    return {LayoutKind::kFlat, 0};
  }
  if (text.starts_with("lowmem=")) {
    uint64_t lowmem = ParseSize(text.substr(7));
    if (lowmem == 0 || lowmem > kFourGiB || lowmem % 4096 != 0) {
      throw Error("layout: lowmem must be a non-zero multiple of 4 KiB up to 4 GiB");
    }
    return {LayoutKind::kLowmem, lowmem};
  }
  throw Error("layout: unknown layout '" + std::string(text) +
              "' (expected q35, pc, flat or lowmem=SIZE)");
}

std::string ToString(const LayoutSpec& spec) {
  if (spec.kind == LayoutKind::kLowmem) {
    return "lowmem=" + std::to_string(spec.lowmem);
  }
  return ToString(spec.kind);
}

std::vector<PhysicalRegion> DeriveLayout(const LayoutSpec& spec, uint64_t file_size) {
  uint64_t lowmem = file_size;
  switch (spec.kind) {
    case LayoutKind::kQ35:
      lowmem = file_size >= kQ35SplitThreshold ? kQ35Lowmem : file_size;
      break;
    case LayoutKind::kPc:
      lowmem = file_size >= kPcSplitThreshold ? kPcLowmem : file_size;
      break;
    case LayoutKind::kFlat:
      lowmem = file_size;
      break;
    case LayoutKind::kLowmem:
      lowmem = std::min(spec.lowmem, file_size);
      break;
  }
  std::vector<PhysicalRegion> regions;
  if (lowmem > 0) {
    regions.push_back({0, 0, lowmem});
  }
  if (file_size > lowmem) {
    regions.push_back({kFourGiB, lowmem, file_size - lowmem});
  }
  return regions;
}

std::optional<uint64_t> FileOffsetOf(const std::vector<PhysicalRegion>& regions, uint64_t gpa) {
  for (const PhysicalRegion& region : regions) {
    if (gpa >= region.guest_physical && gpa - region.guest_physical < region.size) {
      return region.file_offset + (gpa - region.guest_physical);
    }
  }
  return std::nullopt;
}

}  // namespace virdomm::monitor
