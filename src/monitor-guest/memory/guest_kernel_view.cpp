// Assembles TargetKnowledge: image bounds, KASLR offset, ftrace templates from the signed
// baseline's text (what create_trampoline() copies), and the kernel's page tables.
#include "memory/guest_kernel_view.h"

#include <array>
#include <chrono>
#include <cstring>

#include "common/error.h"
#include "common/hex.h"
#include "memory/bpf_code.h"
#include "memory/btf_types.h"
#include "memory/byte_reader.h"
#include "memory/code_owners.h"
#include "memory/executable_pages.h"
#include "memory/kprobe_slots.h"
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

// The guest structures' offsets, from the image's .BTF.
struct ImageLayouts {
  std::optional<ModuleLayout> module;
  std::optional<KprobeSlotLayout> kprobe;
  std::optional<BpfCodeLayout> bpf;
};

// The layouts, or (for struct module, which everything else needs) why there are none.
ImageLayouts LayoutsFromImage(const KernelModel& model, std::string& why) {
  ImageLayouts layouts;
  auto start = model.symbols.AddressOf("__start_BTF");
  auto stop = model.symbols.AddressOf("__stop_BTF");
  if (!start || !stop || *stop <= *start) {
    why = "the image has no .BTF (__start_BTF/__stop_BTF) to give struct module's layout";
    return layouts;
  }
  try {
    BtfTypes btf(model.LinkBytes(*start, *stop - *start));
    layouts.module = ModuleLayoutFromBtf(btf);
    if (!layouts.module) {
      why = "the image's BTF has no struct module with list, name and core_layout or mem";
    }
    layouts.kprobe = KprobeSlotLayoutFromBtf(btf);
    layouts.bpf = BpfCodeLayoutFromBtf(btf);
  } catch (const Error& error) {
    why = std::string("the image's BTF: ") + error.what();
  }
  return layouts;
}

// Whether the guest kernel sets NX at all (__supported_pte_mask has _PAGE_NX without it, x86
// clears the bit from every mapping and all mapped memory is executable); why not if not.
std::optional<std::string> NoExecuteUnused(GuestMemory& memory, const KernelModel& model,
                                           const KernelBaseline& baseline) {
  auto mask = model.symbols.AddressOf("__supported_pte_mask");
  if (!mask) {
    return std::nullopt;  // nothing to say otherwise; the walk still honours NX bits
  }
  std::array<uint8_t, 8> value{};
  try {
    ReadPhysical(memory, baseline.text_physical + (*mask - model.text_link), value);
  } catch (const Error& error) {
    return std::string("__supported_pte_mask: ") + error.what();
  }
  if ((value[7] & 0x80) == 0) {
    return "the guest kernel does not use NX (__supported_pte_mask lacks it): every mapped page "
           "is executable, so code cannot be told from data";
  }
  return std::nullopt;
}

// Reads a u64 of the image's data at its physical place (list heads' next pointers).
ImageWordReader ImageWords(GuestMemory& memory, const KernelModel& model,
                           const KernelBaseline& baseline) {
  const SymbolTable* symbols = &model.symbols;
  const uint64_t text_link = model.text_link;
  const uint64_t text_physical = baseline.text_physical;
  const std::optional<int64_t> offset = baseline.virtual_offset;
  return [&memory, symbols, text_link, text_physical, offset](
             std::string_view name, uint64_t member, std::string& why) -> std::optional<ImageWord> {
    auto link = symbols->AddressOf(name);
    if (!link || !offset) {
      why = !link ? "the image has no symbol " + std::string(name)
                  : "the baseline has no KASLR offset to place " + std::string(name);
      return std::nullopt;
    }
    std::array<uint8_t, 8> bytes{};
    try {
      ReadPhysical(memory, text_physical + (*link + member - text_link), bytes);
    } catch (const Error& error) {
      why = std::string(name) + ": " + error.what();
      return std::nullopt;
    }
    ImageWord word;
    word.runtime = *link + member + static_cast<uint64_t>(*offset);
    std::memcpy(&word.value, bytes.data(), 8);
    return word;
  };
}

// bpf_kallsyms for naming BPF trampolines that ftrace sites call.
std::function<TargetKnowledge::BpfSymbols()> BpfSymbolReader(const KernelAddressSpace& area,
                                                             ImageWordReader read_image_word,
                                                             std::optional<BpfCodeLayout> layout) {
  return [&area, read_image_word = std::move(read_image_word), layout] {
    if (!layout) {
      return TargetKnowledge::BpfSymbols{std::nullopt, "the image's BTF has no struct bpf_ksym"};
    }
    std::string why;
    auto head = read_image_word("bpf_kallsyms", 0, why);
    if (!head) {
      return TargetKnowledge::BpfSymbols{std::nullopt, why};
    }
    std::vector<BpfCode> code;
    if (auto error = ReadBpfSymbols(area, *layout, head->runtime, head->value, code)) {
      return TargetKnowledge::BpfSymbols{std::nullopt, "bpf_kallsyms: " + *error};
    }
    return TargetKnowledge::BpfSymbols{std::move(code), ""};
  };
}

// The scan of one check: executable pages from the page tables, owners from the lists.
std::function<ModuleAreaScan()> ModuleAreaScanner(GuestMemory& memory, const KernelModel& model,
                                                  const KernelBaseline& baseline,
                                                  const KernelAddressSpace& area,
                                                  const TargetKnowledge& knowledge,
                                                  const ImageLayouts& layouts) {
  std::optional<std::string> no_nx = NoExecuteUnused(memory, model, baseline);
  CodeOwnerSources sources;
  sources.space = &area;
  sources.read_modules = knowledge.read_modules;
  sources.kprobe = layouts.kprobe;
  sources.bpf = layouts.bpf;
  const SymbolTable* symbols = &model.symbols;
  sources.has_symbol = [symbols](std::string_view name) {
    return symbols->AddressOf(name).has_value();
  };
  sources.read_image_word = ImageWords(memory, model, baseline);
  // A copy: the view (and the knowledge in it) is moved after this.
  std::vector<FtraceTemplate> templates = knowledge.ftrace_templates;
  return [&area, no_nx, sources, templates = std::move(templates)] {
    auto started = std::chrono::steady_clock::now();
    ModuleAreaScan scan;
    if (no_nx) {
      scan.not_scanned = *no_nx;
    } else {
      scan = ScanModuleArea(area, FindExecutablePages(area), ReadCodeOwners(sources), templates);
    }
    scan.elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    return scan;
  };
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
    ImageLayouts layouts = LayoutsFromImage(model, why);
    const std::optional<ModuleLayout>& layout = layouts.module;
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
    knowledge.read_bpf_symbols =
        BpfSymbolReader(*view.module_area, ImageWords(memory, model, baseline), layouts.bpf);
    view.scan_module_area =
        ModuleAreaScanner(memory, model, baseline, *view.module_area, knowledge, layouts);
  } catch (const Error& error) {
    knowledge.module_area_unreadable = std::string("the kernel's page tables: ") + error.what();
  }
  return view;
}

}  // namespace virdomm::monitor
