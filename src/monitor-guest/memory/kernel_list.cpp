// A list that does not come back to its head within the bound is broken (or a loop a rootkit
// made): the walk says so instead of following it further.
#include "memory/kernel_list.h"

#include <array>
#include <cstring>

#include "common/hex.h"

namespace virdomm::monitor {

std::optional<uint64_t> ReadKernelU64(const KernelAddressSpace& space, uint64_t address,
                                      std::string& why) {
  std::array<uint8_t, 8> bytes{};
  VirtualRead read = space.ReadKernel(address, bytes);
  if (!read.Ok()) {
    why = *read.error;
    return std::nullopt;
  }
  uint64_t value = 0;
  std::memcpy(&value, bytes.data(), 8);
  return value;
}

std::optional<uint32_t> ReadKernelU32(const KernelAddressSpace& space, uint64_t address,
                                      std::string& why) {
  std::array<uint8_t, 4> bytes{};
  VirtualRead read = space.ReadKernel(address, bytes);
  if (!read.Ok()) {
    why = *read.error;
    return std::nullopt;
  }
  uint32_t value = 0;
  std::memcpy(&value, bytes.data(), 4);
  return value;
}

std::optional<std::string> WalkKernelList(const KernelAddressSpace& space, uint64_t head,
                                          uint64_t head_next, std::size_t max_entries,
                                          const ListVisitor& visit) {
  uint64_t node = head_next;
  for (std::size_t count = 0; node != head; ++count) {
    if (count >= max_entries) {
      return "more than " + std::to_string(max_entries) + " entries: list broken";
    }
    if (auto stop = visit(node)) {
      return "entry " + std::to_string(count) + " at " + HexNumber(node) + ": " + *stop;
    }
    std::string why;
    auto next = ReadKernelU64(space, node, why);  // list_head.next is its first member
    if (!next) {
      return "entry " + std::to_string(count) + " at " + HexNumber(node) + ": " + why;
    }
    node = *next;
  }
  return std::nullopt;
}

}  // namespace virdomm::monitor
