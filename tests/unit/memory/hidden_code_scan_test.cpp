// Owners of module-area code read from guest structures built in test memory (struct module's
// text ranges and ITS pages, a kprobe slot cache, BPF packs and symbols), and the scan that
// reports executable pages none of them owns.
#include <gtest/gtest.h>

#include <cstring>

#include "memory/code_owners.h"
#include "memory/executable_pages.h"
#include "memory/hidden_code_scan.h"
#include "memory/module_list.h"
#include "page_table_memory.h"

namespace virdomm::monitor {
namespace {

using testing::PageTableMemory;

constexpr uint64_t kStart = kModulesStart;
constexpr uint64_t kHeap = 0xffff888000010000;       // kmalloc'd structures
constexpr uint64_t kImageData = 0xffffffff82000000;  // where list heads would be
constexpr uint64_t kModulesHead = kImageData;
constexpr uint64_t kKprobeCache = kImageData + 0x100;
constexpr uint64_t kPackList = kImageData + 0x200;
constexpr uint64_t kBpfKallsyms = kImageData + 0x300;
constexpr uint64_t kModule = kStart + 0x100000;  // struct module, in the module's data

const ModuleLayout kModuleLayout{8,     24,   0x140, 0x148, {{0x140, 0x14c}, {0x1a0, 0x1ac}},
                                 0x300, 0x308};
const KprobeSlotLayout kKprobeLayout{0x40, 0, 16};
BpfCodeLayout BpfLayout() {
  BpfCodeLayout layout;
  layout.pack_list = 0;
  layout.pack_ptr = 16;
  layout.ksym_start = 0;
  layout.ksym_end = 8;
  layout.ksym_name = 16;
  layout.ksym_lnode = 16 + 512;
  return layout;
}

// A guest with one module (2 text pages, 1 ITS page), one kprobe slot page, one BPF pack (a
// 2 MiB leaf), one BPF trampoline page with its own symbol, and `hidden` pages of code that
// nothing owns at kStart + 0x50000.
class OwnedGuest {
 public:
  explicit OwnedGuest(unsigned hidden = 1) {
    for (uint64_t page : {kStart + 0x10000, kStart + 0x11000, kStart + 0x20000, kStart + 0x30000,
                          kStart + 0x40000}) {
      memory.Map(page, kEntryPresent);
    }
    memory.Map(kStart + 0x200000, kEntryPresent, 2);
    for (uint64_t i = 0; i < hidden; ++i) {
      memory.Map(kStart + 0x50000 + i * 0x2000, kEntryPresent);  // apart: one range each
      std::memcpy(memory.At(kStart + 0x50000 + i * 0x2000), kCode, sizeof(kCode));
    }
    memory.Map(kModule, kEntryPresent | kEntryNoExecute);
    memory.Map(kHeap, kEntryPresent | kEntryNoExecute);
    memory.Map(kImageData, kEntryPresent | kEntryNoExecute);
    // struct module
    memory.PutU64(kModule + 8, kModulesHead);  // list.next: the last module
    std::memcpy(memory.At(kModule + 24), "rootkit_neighbour", 18);
    memory.PutU64(kModule + 0x140, kStart + 0x10000);
    memory.PutU32(kModule + 0x148, 0x3000);  // core size: text and data
    memory.PutU32(kModule + 0x14c, 0x2000);  // core text_size
    memory.PutU64(kModule + 0x1a0, 0);       // init text freed
    memory.PutU32(kModule + 0x300, 1);       // its_num_pages
    memory.PutU64(kModule + 0x308, kHeap);   // its_page_array
    memory.PutU64(kHeap, kStart + 0x20000);
    // kprobe_insn_page at kHeap + 0x100, on the cache's `pages` list
    memory.PutU64(kKprobeCache + 0x40, kHeap + 0x100);
    memory.PutU64(kHeap + 0x100, kKprobeCache + 0x40);
    memory.PutU64(kHeap + 0x110, kStart + 0x30000);
    // bpf_prog_pack at kHeap + 0x200
    memory.PutU64(kPackList, kHeap + 0x200);
    memory.PutU64(kHeap + 0x200, kPackList);
    memory.PutU64(kHeap + 0x210, kStart + 0x200000);
    // bpf_ksym at kHeap + 0x400 (lnode at + 528)
    const uint64_t ksym = kHeap + 0x400;
    memory.PutU64(kBpfKallsyms, ksym + 528);
    memory.PutU64(ksym + 528, kBpfKallsyms);
    memory.PutU64(ksym, kStart + 0x40000);
    memory.PutU64(ksym + 8, kStart + 0x41000);
    std::memcpy(memory.At(ksym + 16), "bpf_trampoline_6442", 20);
  }

  CodeOwnerSources Sources() {
    CodeOwnerSources sources;
    sources.space = &space;
    sources.read_modules = [this] {
      return ReadModuleList(space, kModuleLayout, kModulesHead, kModule + 8);
    };
    sources.has_symbol = [](std::string_view name) {
      return name == "kprobe_insn_slots" || name == "pack_list" || name == "bpf_kallsyms";
    };
    sources.read_image_word = [this](std::string_view name, uint64_t offset,
                                     std::string& why) -> std::optional<ImageWord> {
      uint64_t at = name == "kprobe_insn_slots" ? kKprobeCache
                    : name == "pack_list"       ? kPackList
                    : name == "bpf_kallsyms"    ? kBpfKallsyms
                                                : 0;
      if (name == "nr_node_ids") {
        return ImageWord{kImageData + 0x400, 1};
      }
      if (at == 0) {
        why = "no symbol " + std::string(name);
        return std::nullopt;
      }
      uint64_t value = 0;
      std::memcpy(&value, memory.At(at + offset), 8);
      return ImageWord{at + offset, value};
    };
    sources.kprobe = kKprobeLayout;
    sources.bpf = BpfLayout();
    return sources;
  }

  ModuleAreaScan Scan() {
    return ScanModuleArea(space, FindExecutablePages(space), ReadCodeOwners(Sources()), {});
  }

  static constexpr uint8_t kCode[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5,
                                      0x41, 0x57, 0x41, 0x56, 0x53, 0x48, 0x83, 0xec};
  PageTableMemory memory;
  KernelAddressSpace space{memory, memory.Root(), 4};
};

TEST(CodeOwnersTest, EveryListNamesItsCode) {
  OwnedGuest guest;
  CodeOwners owners = ReadCodeOwners(guest.Sources());
  ASSERT_FALSE(owners.modules_unreadable.has_value()) << *owners.modules_unreadable;
  EXPECT_TRUE(owners.gaps.empty()) << owners.gaps.front();
  ASSERT_EQ(owners.owners.size(), 5u);
  // Sorted by start: module text, ITS page, kprobe slots, the trampoline's symbol, the pack.
  EXPECT_EQ(owners.owners[0].kind, OwnerKind::kModule);
  EXPECT_EQ(owners.owners[0].name, "rootkit_neighbour");
  EXPECT_EQ(owners.owners[0].range.start, kStart + 0x10000);
  EXPECT_EQ(owners.owners[0].range.end, kStart + 0x12000);  // text_size, not the whole core
  EXPECT_EQ(owners.owners[1].range.start, kStart + 0x20000);
  EXPECT_EQ(owners.owners[2].kind, OwnerKind::kKprobeSlots);
  EXPECT_EQ(owners.owners[2].range.end, kStart + 0x31000);
  EXPECT_EQ(owners.owners[3].name, "bpf_trampoline_6442");
  EXPECT_EQ(owners.owners[4].name, "BPF program pack");
  EXPECT_EQ(owners.owners[4].range.end, kStart + 0x400000);
}

TEST(HiddenCodeScanTest, OnlyCodeThatNothingOwnsIsHidden) {
  OwnedGuest guest;
  ModuleAreaScan scan = guest.Scan();
  ASSERT_FALSE(scan.not_scanned.has_value()) << *scan.not_scanned;
  EXPECT_EQ(scan.executable_pages, 2u + 1 + 1 + 1 + 512 + 1);
  EXPECT_EQ(scan.owned_pages[static_cast<std::size_t>(OwnerKind::kModule)], 3u);
  EXPECT_EQ(scan.owned_pages[static_cast<std::size_t>(OwnerKind::kKprobeSlots)], 1u);
  EXPECT_EQ(scan.owned_pages[static_cast<std::size_t>(OwnerKind::kBpf)], 513u);
  EXPECT_EQ(scan.hidden_pages, 1u);
  ASSERT_EQ(scan.hidden.size(), 1u);
  EXPECT_EQ(scan.hidden[0].range.start, kStart + 0x50000);
  EXPECT_EQ(scan.hidden[0].range.end, kStart + 0x51000);
  EXPECT_EQ(scan.hidden[0].physical, guest.memory.EntryFor(kStart + 0x50000, 1) & kEntryFrameMask);
  EXPECT_EQ(scan.hidden[0].first_bytes,
            std::vector<uint8_t>(std::begin(OwnedGuest::kCode), std::end(OwnedGuest::kCode)));
}

TEST(HiddenCodeScanTest, AModuleOffTheListLeavesItsTextOwnedByNothing) {
  OwnedGuest guest;
  // list_del_init(&THIS_MODULE->list): the head's next no longer leads to it.
  auto sources = guest.Sources();
  sources.read_modules = [&guest] {
    return ReadModuleList(guest.space, kModuleLayout, kModulesHead, kModulesHead);
  };
  ModuleAreaScan scan =
      ScanModuleArea(guest.space, FindExecutablePages(guest.space), ReadCodeOwners(sources), {});
  // Its two text pages become one hidden range; its ITS page another.
  ASSERT_EQ(scan.hidden.size(), 3u);
  EXPECT_EQ(scan.hidden[0].range.start, kStart + 0x10000);
  EXPECT_EQ(scan.hidden[0].range.end, kStart + 0x12000);
  EXPECT_EQ(scan.hidden[1].range.start, kStart + 0x20000);
  EXPECT_EQ(scan.hidden_pages, 4u);
}

TEST(HiddenCodeScanTest, NoModuleListNoVerdictAndBrokenListsAreGaps) {
  OwnedGuest guest;
  guest.memory.PutU64(kModule + 8, kModule + 0x5000000);  // next: nowhere mapped
  ModuleAreaScan scan = guest.Scan();
  ASSERT_TRUE(scan.not_scanned.has_value());
  EXPECT_NE(scan.not_scanned->find("module list"), std::string::npos) << *scan.not_scanned;
  EXPECT_TRUE(scan.hidden.empty());

  OwnedGuest broken;
  broken.memory.PutU64(kHeap + 0x100, kHeap + 0x100);       // a kprobe page that loops on itself
  broken.memory.PutU64(kHeap + 0x200, 0xffff888012345000);  // a pack list into nothing
  ModuleAreaScan gaps = broken.Scan();
  ASSERT_FALSE(gaps.not_scanned.has_value());
  ASSERT_EQ(gaps.gaps.size(), 2u);
  EXPECT_NE(gaps.gaps[0].find("more than 4096 entries"), std::string::npos) << gaps.gaps[0];
  EXPECT_NE(gaps.gaps[1].find("pack_list"), std::string::npos) << gaps.gaps[1];
  EXPECT_EQ(gaps.owned_pages[static_cast<std::size_t>(OwnerKind::kBpf)], 513u);  // first pack
}

TEST(HiddenCodeScanTest, HiddenRangesAreCappedButAllCounted) {
  OwnedGuest guest(kMaxHiddenRanges + 6);
  ModuleAreaScan scan = guest.Scan();
  EXPECT_EQ(scan.hidden.size(), kMaxHiddenRanges);
  EXPECT_EQ(scan.hidden_pages, kMaxHiddenRanges + 6);
}

// Pages the ITS mitigation fills with INT3 and `[REX.B] jmp *%reg; int3` thunks are owned by
// their bytes; anything else in such a page makes it hidden code.
TEST(HiddenCodeScanTest, ItsThunkPagesAreKnownByTheirBytes) {
  OwnedGuest guest(2);
  for (uint64_t page : {kStart + 0x50000, kStart + 0x52000}) {
    uint8_t* bytes = guest.memory.At(page);
    std::memset(bytes, 0xcc, kPageSize);
    const uint8_t thunks[] = {0x41, 0xff, 0xe3, 0xcc, 0xff, 0xe0, 0xcc};  // r11, rax
    std::memcpy(bytes + 32, thunks, sizeof(thunks));
  }
  guest.memory.At(kStart + 0x52000)[32 + 6] = 0x90;  // a thunk that does not end in INT3
  ModuleAreaScan scan = guest.Scan();
  EXPECT_EQ(scan.owned_pages[static_cast<std::size_t>(OwnerKind::kItsThunks)], 1u);
  ASSERT_EQ(scan.hidden.size(), 1u);
  EXPECT_EQ(scan.hidden[0].range.start, kStart + 0x52000);
}

TEST(ModuleListTest, TextRangesAndItsPagesAreRead) {
  OwnedGuest guest;
  auto list = ReadModuleList(guest.space, kModuleLayout, kModulesHead, kModule + 8);
  ASSERT_TRUE(list.modules.has_value()) << list.unreadable;
  ASSERT_EQ(list.modules->size(), 1u);
  const ModuleRange& module = list.modules->front();
  EXPECT_EQ(module.end - module.start, 0x3000u);
  ASSERT_EQ(module.text.size(), 2u);  // core text and one ITS page; the freed init text is not
  EXPECT_EQ(module.text[1].start, kStart + 0x20000);
  // An absurd ITS page count is refused, not followed.
  guest.memory.PutU32(kModule + 0x300, 100000);
  auto refused = ReadModuleList(guest.space, kModuleLayout, kModulesHead, kModule + 8);
  EXPECT_FALSE(refused.modules.has_value());
  EXPECT_NE(refused.unreadable.find("ITS"), std::string::npos) << refused.unreadable;
}

}  // namespace
}  // namespace virdomm::monitor
