// Assembles TargetKnowledge: image bounds, KASLR offset, ftrace templates from the signed
// baseline's text (what create_trampoline() copies), and the kernel's page tables.
#include "memory/guest_kernel_view.h"

#include <array>
#include <cstring>

#include "common/error.h"
#include "memory/btf_types.h"
#include "memory/byte_reader.h"
#include "memory/hex_text.h"
#include "memory/module_list.h"

namespace virdomm::monitor {
namespace {

std::span<const uint8_t> BaselineBytes(const KernelBaseline& baseline, uint64_t link,
                                       uint64_t length) {
  for (const BaselineRegion& region : baseline.regions) {
    if (link >= region.start && RangeFits(link - region.start, length, region.bytes.size())) {
      return std::span<const uint8_t>(region.bytes).subspan(link - region.start, length);
    }
  }
  return {};
}

// 5 with LA57 in use (__pgtable_l5_enabled, in the image's data), else 4.
unsigned PagingLevels(GuestMemory& memory, const KernelModel& model,
                      const KernelBaseline& baseline) {
  auto flag = model.symbols.AddressOf("__pgtable_l5_enabled");
  if (!flag) {
    return 4;  // a kernel without CONFIG_X86_5LEVEL
  }
  std::array<uint8_t, 4> value{};
  ReadPhysical(memory, baseline.text_physical + (*flag - model.text_link), value);
  return value[0] != 0 ? 5 : 4;
}

// struct module's offsets from the image's .BTF, or why there are none.
std::optional<ModuleLayout> LayoutFromImage(const KernelModel& model, std::string& why) {
  auto start = model.symbols.AddressOf("__start_BTF");
  auto stop = model.symbols.AddressOf("__stop_BTF");
  if (!start || !stop || *stop <= *start) {
    why = "the image has no .BTF (__start_BTF/__stop_BTF) to give struct module's layout";
    return std::nullopt;
  }
  try {
    BtfTypes btf(model.LinkBytes(*start, *stop - *start));
    auto layout = ModuleLayoutFromBtf(btf);
    if (!layout) {
      why = "the image's BTF has no struct module with list, name and core_layout or mem";
    }
    return layout;
  } catch (const Error& error) {
    why = std::string("the image's BTF: ") + error.what();
    return std::nullopt;
  }
}

}  // namespace

GuestKernelView ViewGuestKernel(GuestMemory& memory, const KernelModel& model,
                                const KernelBaseline& baseline) {
  GuestKernelView view;
  TargetKnowledge& knowledge = view.knowledge;
  knowledge.symbols = &model.symbols;
  knowledge.image_start = model.text_link;
  knowledge.image_end = model.symbols.AddressOf("_end").value_or(model.regions.back().end);
  knowledge.virtual_offset = baseline.virtual_offset;
  knowledge.ftrace_templates =
      ReadFtraceTemplates(model.symbols, [&baseline](uint64_t link, uint64_t length) {
        return BaselineBytes(baseline, link, length);
      });
  auto root = model.symbols.AddressOf("init_top_pgt");
  if (!root) {
    knowledge.module_area_unreadable = "the image has no init_top_pgt symbol";
    return view;
  }
  try {
    unsigned levels = PagingLevels(memory, model, baseline);
    uint64_t root_frame = (baseline.text_physical + (*root - model.text_link)) >> kPageShift;
    view.module_area = std::make_unique<KernelAddressSpace>(memory, root_frame, levels);
    knowledge.module_area = view.module_area.get();
    std::string why;
    auto layout = LayoutFromImage(model, why);
    auto head = model.symbols.AddressOf("modules");
    if (!head) {
      why = "the image has no `modules` symbol";
    }
    if (layout && head && baseline.virtual_offset) {
      const KernelAddressSpace* area = view.module_area.get();
      uint64_t head_physical = baseline.text_physical + (*head - model.text_link);
      uint64_t head_runtime = *head + static_cast<uint64_t>(*baseline.virtual_offset);
      knowledge.read_modules = [&memory, area, layout = *layout, head_physical, head_runtime] {
        std::array<uint8_t, 8> next{};
        try {
          ReadPhysical(memory, head_physical, next);  // the list head is in the image's data
        } catch (const Error& error) {
          return TargetKnowledge::ModuleList{std::nullopt,
                                             std::string("the list head: ") + error.what()};
        }
        uint64_t first = 0;
        std::memcpy(&first, next.data(), 8);
        return ReadModuleList(*area, layout, head_runtime, first);
      };
    } else if (layout && head) {
      why = "the baseline has no KASLR offset to place the list head";
    }
    if (!knowledge.read_modules) {
      knowledge.read_modules = [why] { return TargetKnowledge::ModuleList{std::nullopt, why}; };
    }
  } catch (const Error& error) {
    knowledge.module_area_unreadable = std::string("the kernel's page tables: ") + error.what();
  }
  return view;
}

}  // namespace virdomm::monitor
