// Walking struct module's list in guest memory; names are kept only when printable.
#include "memory/module_list.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "memory/hex_text.h"

namespace virdomm::monitor {
namespace {

std::string PrintableName(const std::array<uint8_t, kModuleNameLength>& bytes) {
  std::string name;
  for (uint8_t byte : bytes) {
    if (byte == 0) {
      break;
    }
    name += byte >= 0x21 && byte < 0x7f ? static_cast<char>(byte) : '?';
  }
  return name.empty() ? "?" : name;
}

}  // namespace

std::optional<ModuleLayout> ModuleLayoutFromBtf(const BtfTypes& btf) {
  auto list = btf.OffsetOf("module", "list");
  auto name = btf.OffsetOf("module", "name");
  auto base = btf.OffsetOf("module", "core_layout.base");
  auto size = btf.OffsetOf("module", "core_layout.size");
  if (!base || !size) {
    base = btf.OffsetOf("module", "mem.base");
    size = btf.OffsetOf("module", "mem.size");
  }
  if (!list || !name || !base || !size) {
    return std::nullopt;
  }
  return ModuleLayout{*list, *name, *base, *size};
}

TargetKnowledge::ModuleList ReadModuleList(const KernelAddressSpace& module_area,
                                           const ModuleLayout& layout, uint64_t head,
                                           uint64_t head_next) {
  std::vector<ModuleRange> modules;
  uint64_t entry = head_next;
  while (entry != head) {
    if (modules.size() >= kMaxModules) {
      return {std::nullopt, "more than " + std::to_string(kMaxModules) + " modules: list broken"};
    }
    uint64_t module = entry - layout.list;
    std::array<uint8_t, 8> next{};
    std::array<uint8_t, kModuleNameLength> name{};
    std::array<uint8_t, 8> base{};
    std::array<uint8_t, 4> size{};
    for (auto [address, bytes] : {std::pair{entry, std::span<uint8_t>(next)},
                                  std::pair{module + layout.name, std::span<uint8_t>(name)},
                                  std::pair{module + layout.base, std::span<uint8_t>(base)},
                                  std::pair{module + layout.size, std::span<uint8_t>(size)}}) {
      VirtualRead read = module_area.Read(address, bytes);
      if (!read.Ok()) {
        return {std::nullopt, "module struct at " + HexNumber(module) + " (after " +
                                  std::to_string(modules.size()) + " modules): " + *read.error};
      }
    }
    ModuleRange range;
    range.name = PrintableName(name);
    std::memcpy(&range.start, base.data(), 8);
    uint32_t length = 0;
    std::memcpy(&length, size.data(), 4);
    range.end = range.start + length;
    modules.push_back(std::move(range));
    std::memcpy(&entry, next.data(), 8);
  }
  return {std::move(modules), ""};
}

}  // namespace virdomm::monitor
