// Assembles TargetKnowledge: image bounds, KASLR offset, ftrace templates from the signed
// baseline's text (what create_trampoline() copies), and the kernel's page tables.
#include "memory/guest_kernel_view.h"

#include <array>

#include "common/error.h"
#include "memory/byte_reader.h"
#include "memory/hex_text.h"

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
  } catch (const Error& error) {
    knowledge.module_area_unreadable = std::string("the kernel's page tables: ") + error.what();
  }
  return view;
}

}  // namespace virdomm::monitor
