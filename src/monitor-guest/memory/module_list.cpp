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

std::optional<uint64_t> ReadModuleU64(const KernelAddressSpace& area, uint64_t address,
                                      std::string& why) {
  std::array<uint8_t, 8> bytes{};
  VirtualRead read = area.Read(address, bytes);
  if (!read.Ok()) {
    why = *read.error;
    return std::nullopt;
  }
  uint64_t value = 0;
  std::memcpy(&value, bytes.data(), 8);
  return value;
}

// The module's text ranges and ITS thunk pages; a reason when one cannot be read.
std::optional<std::string> ReadModuleText(const KernelAddressSpace& area,
                                          const ModuleLayout& layout, uint64_t module,
                                          std::vector<CodeRange>& text) {
  std::string why;
  for (const ModuleLayout::TextField& field : layout.text) {
    auto base = ReadModuleU64(area, module + field.base, why);
    auto size = ReadModuleU64(area, module + field.size, why);
    if (!base || !size) {
      return "text range: " + why;
    }
    auto length = static_cast<uint32_t>(*size);  // unsigned int
    if (*base != 0 && length != 0 && *base + length > *base) {
      text.push_back({*base, *base + length});
    }
  }
  if (!layout.its_num_pages) {
    return std::nullopt;
  }
  auto count = ReadModuleU64(area, module + *layout.its_num_pages, why);
  auto array = ReadModuleU64(area, module + *layout.its_page_array, why);
  if (!count || !array) {
    return "ITS thunk pages: " + why;
  }
  auto pages = static_cast<int32_t>(*count);  // int
  if (pages <= 0) {
    return std::nullopt;
  }
  if (static_cast<uint32_t>(pages) > kMaxItsPages) {
    return std::to_string(pages) + " ITS thunk pages (at most " + std::to_string(kMaxItsPages) +
           " expected)";
  }
  std::vector<uint8_t> pointers(std::size_t{8} * static_cast<uint32_t>(pages));
  VirtualRead read = area.ReadKernel(*array, pointers);  // kmalloc'd
  if (!read.Ok()) {
    return "ITS thunk page array: " + *read.error;
  }
  for (std::size_t i = 0; i < pointers.size(); i += 8) {
    uint64_t page = 0;
    std::memcpy(&page, pointers.data() + i, 8);
    if (page != 0 && page + kPageSize > page) {
      text.push_back({page, page + kPageSize});
    }
  }
  return std::nullopt;
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
  ModuleLayout layout{*list, *name, *base, *size, {}, {}, {}};
  auto core_text = btf.OffsetOf("module", "core_layout.text_size");
  auto init_base = btf.OffsetOf("module", "init_layout.base");
  auto init_text = btf.OffsetOf("module", "init_layout.text_size");
  if (core_text && init_base && init_text) {
    layout.text = {{*base, *core_text}, {*init_base, *init_text}};
  } else if (auto memory_size = btf.SizeOf("module_memory")) {
    // enum mod_mem_type: MOD_TEXT = 0, ..., MOD_INIT_TEXT = 4.
    constexpr uint64_t kInitText = 4;
    const uint64_t init = kInitText * *memory_size;
    layout.text = {{*base, *size}, {*base + init, *size + init}};
  }
  if (layout.text.empty()) {
    return std::nullopt;  // a code range without its text would own too much or too little
  }
  layout.its_num_pages = btf.OffsetOf("module", "its_num_pages");
  layout.its_page_array = btf.OffsetOf("module", "its_page_array");
  if (!layout.its_num_pages || !layout.its_page_array) {
    layout.its_num_pages.reset();
    layout.its_page_array.reset();
  }
  return layout;
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
    if (auto error = ReadModuleText(module_area, layout, module, range.text)) {
      return {std::nullopt, "module " + range.name + " at " + HexNumber(module) + ": " + *error};
    }
    modules.push_back(std::move(range));
    std::memcpy(&entry, next.data(), 8);
  }
  return {std::move(modules), ""};
}

}  // namespace virdomm::monitor
