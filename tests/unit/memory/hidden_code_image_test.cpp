// The hidden-code scan's knowledge of the real kernel: the owners' struct offsets from the
// image's own BTF (struct module's text ranges and ITS pages, kprobe slot caches, BPF packs
// and symbols), the symbols of their list heads in its kallsyms, and trampolines made from its
// own ftrace_caller/ftrace_regs_caller told from other code in the module area; and ftrace
// sites calling a BPF trampoline, judged with the real image's symbols.
#include <gtest/gtest.h>

#include <cstring>

#include "memory/bpf_code.h"
#include "memory/btf_types.h"
#include "memory/executable_pages.h"
#include "memory/hidden_code_scan.h"
#include "memory/kprobe_slots.h"
#include "memory/module_list.h"
#include "memory/patch_target.h"
#include "page_table_memory.h"
#include "real_kernel_image.h"

namespace virdomm::monitor {
namespace {

using testing::Model;

BtfTypes ImageBtf() {
  uint64_t start = Model().symbols.RequireAddress("__start_BTF");
  uint64_t stop = Model().symbols.RequireAddress("__stop_BTF");
  return BtfTypes(Model().LinkBytes(start, stop - start));
}

bool Linux61() { return Model().release.starts_with("6.1."); }

// 6.1: core_layout and init_layout { void *base; unsigned int size, text_size; ... }.
// 6.4 on: mem[MOD_TEXT] and mem[MOD_INIT_TEXT] (= 4) of struct module_memory.
TEST(HiddenCodeLayoutTest, StructModuleGivesEveryTextRange) {
  BtfTypes btf = ImageBtf();
  auto layout = ModuleLayoutFromBtf(btf);
  ASSERT_TRUE(layout.has_value());
  ASSERT_EQ(layout->text.size(), 2u);
  EXPECT_EQ(layout->text[0].base, layout->base);
  if (Linux61()) {
    EXPECT_EQ(layout->text[0].size, layout->base + 12);  // after base and size
    EXPECT_GT(layout->text[1].base, layout->text[0].size);
    EXPECT_EQ(layout->text[1].size, layout->text[1].base + 12);
  } else {
    auto element = btf.SizeOf("module_memory");
    ASSERT_TRUE(element.has_value());
    EXPECT_GE(*element, 16u);
    EXPECT_EQ(layout->text[1].base, layout->base + 4 * *element);
    EXPECT_EQ(layout->text[1].size, layout->text[1].base + 8);
  }
  // Debian's kernels carry the ITS mitigation (CONFIG_MITIGATION_ITS): its per-module pages.
  ASSERT_TRUE(layout->its_num_pages.has_value());
  // int its_num_pages, then the pointer at the next 8-byte boundary.
  EXPECT_EQ(*layout->its_page_array, (*layout->its_num_pages + 4 + 7) & ~uint64_t{7});
}

TEST(HiddenCodeLayoutTest, KprobeSlotCachesAndBpfListsHaveTheirOffsets) {
  BtfTypes btf = ImageBtf();
  auto kprobe = KprobeSlotLayoutFromBtf(btf);
  ASSERT_TRUE(kprobe.has_value());
  EXPECT_EQ(kprobe->page_list, 0u);
  EXPECT_EQ(kprobe->page_insns, 16u);  // after the list_head
  EXPECT_GT(kprobe->cache_pages, 0u);  // after the mutex and the alloc/free functions
  auto bpf = BpfCodeLayoutFromBtf(btf);
  ASSERT_TRUE(bpf.has_value());
  ASSERT_TRUE(bpf->pack_list.has_value() && bpf->pack_ptr.has_value());
  EXPECT_EQ(*bpf->pack_list, 0u);
  EXPECT_EQ(*bpf->pack_ptr, 16u);
  EXPECT_EQ(bpf->ksym_start, 0u);
  EXPECT_EQ(bpf->ksym_end, 8u);
  EXPECT_EQ(bpf->ksym_name, 16u);
  EXPECT_EQ(bpf->ksym_lnode, 16u + 512);  // KSYM_NAME_LEN
}

TEST(HiddenCodeLayoutTest, TheListHeadsAreInTheImagesSymbols) {
  for (const char* name : {"modules", "kprobe_insn_slots", "kprobe_optinsn_slots", "pack_list",
                           "bpf_kallsyms", "nr_node_ids", "__supported_pte_mask"}) {
    auto address = Model().symbols.AddressOf(name);
    ASSERT_TRUE(address.has_value()) << name;
    // Data, not code: outside the text region.
    EXPECT_GE(*address, Model().regions.front().end) << name;
  }
}

// A trampoline ftrace made is owned by its bytes; the same copy with one byte changed is not.
TEST(HiddenCodeImageTest, OnlyARealFtraceTrampolineIsOwnedByItsBytes) {
  std::vector<FtraceTemplate> forms = testing::Templates();
  ASSERT_FALSE(forms.empty());
  testing::PageTableMemory memory;
  const uint64_t handler = Model().symbols.RequireAddress("function_trace_call") + 0x18e00000;
  const uint64_t good = kModulesStart + 0x5fd000;
  const uint64_t altered = kModulesStart + 0x600000;
  for (uint64_t page : {good, altered}) {
    memory.Map(page, kEntryPresent);
    std::vector<uint8_t> bytes = testing::MakeTrampoline(forms[0], handler, 0x1000, page);
    if (page == altered) {
      bytes[1] ^= 0xff;
    }
    std::memcpy(memory.At(page), bytes.data(), bytes.size());
  }
  KernelAddressSpace space(memory, memory.Root(), 4);
  CodeOwners owners;  // an empty module list
  ModuleAreaScan scan = ScanModuleArea(space, FindExecutablePages(space), owners, forms);
  ASSERT_FALSE(scan.not_scanned.has_value());
  EXPECT_EQ(scan.owned_pages[static_cast<std::size_t>(OwnerKind::kFtraceTrampoline)], 1u);
  ASSERT_EQ(scan.hidden.size(), 1u);
  EXPECT_EQ(scan.hidden[0].range.start, altered);
  EXPECT_EQ(scan.hidden[0].first_bytes.size(), kHiddenCodeBytes);
}

// fentry/fexit BPF programs: ftrace's direct call at a function's __fentry__ site goes to the
// start of a BPF trampoline, named by its bpf_ksym. Only a trampoline's start is such a target.
TEST(BpfTrampolineTargetTest, AnFtraceSiteMayCallTheStartOfABpfTrampoline) {
  constexpr int64_t kOffset = 0x18e00000;
  const uint64_t trampoline = kModulesStart + 0x7000;
  const uint64_t program = kModulesStart + 0x9000;
  testing::PageTableMemory memory;
  for (uint64_t page : {trampoline, program}) {
    memory.Map(page, kEntryPresent);
    std::memset(memory.At(page), 0xcc, kPageSize);  // no copy of ftrace's caller
  }
  KernelAddressSpace space(memory, memory.Root(), 4);
  TargetKnowledge knowledge;
  knowledge.symbols = &Model().symbols;
  knowledge.image_start = Model().text_link;
  knowledge.image_end = Model().symbols.RequireAddress("_end");
  knowledge.virtual_offset = kOffset;
  knowledge.ftrace_templates = testing::Templates();
  knowledge.module_area = &space;
  knowledge.read_modules = [] {
    return TargetKnowledge::ModuleList{std::vector<ModuleRange>{}, ""};
  };
  int reads = 0;
  knowledge.read_bpf_symbols = [&] {
    ++reads;
    return TargetKnowledge::BpfSymbols{
        std::vector<BpfCode>{{"bpf_trampoline_6442450943", {trampoline, trampoline + kPageSize}},
                             {"bpf_prog_6deef7357e7b4530_getppid", {program, program + 0x80}}},
        ""};
  };
  PatchTargetJudge judge(knowledge);
  auto link = [](uint64_t runtime) { return runtime - static_cast<uint64_t>(kOffset); };
  TargetVerdict verdict = judge.Judge(TargetRule::kFtraceEntry, link(trampoline));
  EXPECT_TRUE(verdict.legal) << verdict.target;
  EXPECT_EQ(verdict.target, "BPF trampoline bpf_trampoline_6442450943 at 0xffffffffc0007000");
  EXPECT_FALSE(judge.Judge(TargetRule::kFtraceEntry, link(trampoline + 0x10)).legal);
  TargetVerdict into_program = judge.Judge(TargetRule::kFtraceEntry, link(program));
  EXPECT_FALSE(into_program.legal) << into_program.target;
  EXPECT_NE(into_program.target.find("in no module"), std::string::npos) << into_program.target;
  // Only ftrace sites go there: a static call to a trampoline is still a redirection.
  EXPECT_FALSE(judge.Judge(TargetRule::kFunctionStart, link(trampoline)).legal);
  EXPECT_EQ(reads, 1);  // once per judge

  // An unreadable symbol list is said, and nothing is attributed.
  knowledge.read_bpf_symbols = [] {
    return TargetKnowledge::BpfSymbols{std::nullopt, "entry 0 at 0xff11000000001000: gone"};
  };
  TargetVerdict unread =
      PatchTargetJudge(knowledge).Judge(TargetRule::kFtraceEntry, link(trampoline));
  EXPECT_FALSE(unread.legal);
  EXPECT_NE(unread.target.find("BPF symbols not readable: entry 0"), std::string::npos)
      << unread.target;
}

}  // namespace
}  // namespace virdomm::monitor
