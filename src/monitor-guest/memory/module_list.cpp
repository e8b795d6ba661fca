// Walking struct module's list in guest memory; names are kept only when printable.
#include "memory/module_list.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/hex.h"
#include "memory/byte_reader.h"

namespace virdomm::monitor {
namespace {

std::string PrintableName(std::span<const uint8_t> bytes) {
  std::string name;
  for (uint8_t byte : bytes) {
    if (byte == 0) {
      break;
    }
    name += byte >= 0x21 && byte < 0x7f ? static_cast<char>(byte) : '?';
  }
  return name.empty() ? "?" : name;
}

// How much of struct module holds every field read: one read per module (a page walk for each
// page it spans) instead of one per field, which counts on Xen, where each is a mapping.
uint64_t StructSpan(const ModuleLayout& layout) {
  uint64_t end = std::max(
      {layout.list + 8, layout.name + kModuleNameLength, layout.base + 8, layout.size + 4});
  for (const ModuleLayout::TextField& field : layout.text) {
    end = std::max({end, field.base + 8, field.size + 4});
  }
  if (layout.its_num_pages && layout.its_page_array) {
    end = std::max({end, *layout.its_num_pages + 4, *layout.its_page_array + 8});
  }
  return end;
}

template <typename T>
T FieldAt(std::span<const uint8_t> module, uint64_t offset) {
  T value{};
  (void)TryReadLe(module, offset, value);  // StructSpan covers every offset read
  return value;
}

// The module's text ranges and ITS thunk pages (from its struct's bytes, and the thunk page
// array it points at); a reason when one cannot be read.
std::optional<std::string> ReadModuleText(const KernelAddressSpace& area,
                                          const ModuleLayout& layout,
                                          std::span<const uint8_t> module,
                                          std::vector<CodeRange>& text) {
  for (const ModuleLayout::TextField& field : layout.text) {
    auto base = FieldAt<uint64_t>(module, field.base);
    auto length = FieldAt<uint32_t>(module, field.size);  // unsigned int
    if (base != 0 && length != 0 && base + length > base) {
      text.push_back({base, base + length});
    }
  }
  if (!layout.its_num_pages || !layout.its_page_array) {
    return std::nullopt;
  }
  auto pages = FieldAt<int32_t>(module, *layout.its_num_pages);  // int
  auto array = FieldAt<uint64_t>(module, *layout.its_page_array);
  if (pages <= 0) {
    return std::nullopt;
  }
  if (static_cast<uint32_t>(pages) > kMaxItsPages) {
    return std::to_string(pages) + " ITS thunk pages (at most " + std::to_string(kMaxItsPages) +
           " expected)";
  }
  std::vector<uint8_t> pointers(std::size_t{8} * static_cast<uint32_t>(pages));
  VirtualRead read = area.ReadKernel(array, pointers);  // kmalloc'd
  if (!read.Ok()) {
    return "ITS thunk page array: " + *read.error;
  }
  for (std::size_t i = 0; i < pointers.size(); i += 8) {
    auto page = FieldAt<uint64_t>(pointers, i);
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
  std::vector<uint8_t> bytes(StructSpan(layout));
  uint64_t entry = head_next;
  while (entry != head) {
    if (modules.size() >= kMaxModules) {
      return {std::nullopt, "more than " + std::to_string(kMaxModules) + " modules: list broken"};
    }
    uint64_t module = entry - layout.list;
    VirtualRead read = module_area.Read(module, bytes);
    if (!read.Ok()) {
      return {std::nullopt, "module struct at " + HexNumber(module) + " (after " +
                                std::to_string(modules.size()) + " modules): " + *read.error};
    }
    ModuleRange range;
    range.name =
        PrintableName(std::span<const uint8_t>(bytes).subspan(layout.name, kModuleNameLength));
    range.start = FieldAt<uint64_t>(bytes, layout.base);
    range.end = range.start + FieldAt<uint32_t>(bytes, layout.size);
    if (auto error = ReadModuleText(module_area, layout, bytes, range.text)) {
      return {std::nullopt, "module " + range.name + " at " + HexNumber(module) + ": " + *error};
    }
    modules.push_back(std::move(range));
    entry = FieldAt<uint64_t>(bytes, layout.list);  // list.next
  }
  return {std::move(modules), ""};
}

}  // namespace virdomm::monitor
