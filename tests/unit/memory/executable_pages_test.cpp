// The module area's executable pages from page tables built in test memory: NX at the leaf and
// above it, 2 MiB leaves, 5-level tables, holes and garbage entries.
#include <gtest/gtest.h>

#include <array>

#include "memory/executable_pages.h"
#include "page_table_memory.h"

namespace virdomm::monitor {
namespace {

using testing::PageTableMemory;

constexpr uint64_t kStart = kModulesStart;

TEST(ExecutablePagesTest, PresentPagesWithoutNxAnywhereAreExecutable) {
  for (unsigned levels : {4U, 5U}) {
    PageTableMemory memory(levels);
    memory.Map(kStart, kEntryPresent);
    memory.Map(kStart + 0x1000, kEntryPresent);
    memory.Map(kStart + 0x4000, kEntryPresent | kEntryNoExecute);  // data
    memory.Map(kStart + 0x8000, kEntryPresent);
    memory.Map(kStart + 0x9000, kEntryNoExecute);   // not present
    memory.Map(0xffffffff81000000, kEntryPresent);  // kernel text: not the module area
    KernelAddressSpace space(memory, memory.Root(), levels);
    ExecutableMap map = FindExecutablePages(space);
    ASSERT_EQ(map.ranges.size(), 2u) << levels;
    EXPECT_EQ(map.ranges[0].start, kStart);
    EXPECT_EQ(map.ranges[0].end, kStart + 0x2000);
    EXPECT_EQ(map.ranges[1].start, kStart + 0x8000);
    EXPECT_EQ(map.ranges[1].end, kStart + 0x9000);
    EXPECT_EQ(map.pages, 3u);
    EXPECT_TRUE(map.unreadable.empty());
    // Root, (PML4,) PUD, PMD and one PTE table; the kernel text's PMD is not entered.
    EXPECT_EQ(map.tables_read, levels);
  }
}

TEST(ExecutablePagesTest, NxAboveTheLeafForbidsEverythingUnderIt) {
  PageTableMemory memory;
  memory.Map(kStart + 0x200000, kEntryPresent);
  memory.Map(kStart, kEntryPresent);
  memory.EntryFor(kStart, 2) |= kEntryNoExecute;  // the PMD entry over the first 2 MiB
  KernelAddressSpace space(memory, memory.Root(), 4);
  ExecutableMap map = FindExecutablePages(space);
  ASSERT_EQ(map.ranges.size(), 1u);
  EXPECT_EQ(map.ranges[0].start, kStart + 0x200000);
  EXPECT_EQ(map.pages, 1u);
}

TEST(ExecutablePagesTest, TwoMegabyteLeavesCountAsTheirPages) {
  PageTableMemory memory;
  memory.Map(kStart + 0x400000, kEntryPresent, 2);
  memory.Map(kStart + 0x600000, kEntryPresent);  // the next page after the leaf
  KernelAddressSpace space(memory, memory.Root(), 4);
  ExecutableMap map = FindExecutablePages(space);
  ASSERT_EQ(map.ranges.size(), 1u);
  EXPECT_EQ(map.ranges[0].start, kStart + 0x400000);
  EXPECT_EQ(map.ranges[0].end, kStart + 0x601000);
  EXPECT_EQ(map.pages, 513u);
}

TEST(ExecutablePagesTest, AnUnreadableTableIsAReasonAndTheRestIsStillWalked) {
  PageTableMemory memory;
  memory.Map(kStart, kEntryPresent);
  memory.Map(kStart + 0x200000, kEntryPresent);
  memory.MakeHole((memory.EntryFor(kStart, 2) & kEntryFrameMask) >> kPageShift);
  KernelAddressSpace space(memory, memory.Root(), 4);
  ExecutableMap map = FindExecutablePages(space);
  ASSERT_EQ(map.unreadable.size(), 1u);
  EXPECT_NE(map.unreadable[0].find("unreadable"), std::string::npos) << map.unreadable[0];
  ASSERT_EQ(map.ranges.size(), 1u);
  EXPECT_EQ(map.ranges[0].start, kStart + 0x200000);
}

TEST(ExecutablePagesTest, GarbageTablesEndInABoundedWalk) {
  PageTableMemory memory;
  memory.Map(kStart, kEntryPresent);
  // Every PMD entry of the module area points back at the PMD itself, or past the memory.
  uint64_t pmd = (memory.EntryFor(kStart, 3) & kEntryFrameMask) >> kPageShift;
  auto* entries = reinterpret_cast<uint64_t*>(memory.Bytes(pmd));
  for (unsigned i = 0; i < 504; ++i) {
    entries[i] = i % 2 == 0 ? (pmd << kPageShift) | kEntryPresent
                            : (uint64_t{0xfffff} << kPageShift) | kEntryPresent;
  }
  KernelAddressSpace space(memory, memory.Root(), 4);
  ExecutableMap map = FindExecutablePages(space);
  EXPECT_LE(map.tables_read, kMaxTableFrames);
  EXPECT_LE(map.unreadable.size(), kMaxUnreadableReasons);
  EXPECT_FALSE(map.unreadable.empty());
  // The PMD read as a PTE table: its present, executable entries are pages.
  EXPECT_GT(map.pages, 0u);
  for (const ExecutableRange& range : map.ranges) {
    EXPECT_TRUE(InModuleArea(range.start)) << range.start;
    EXPECT_LE(range.end, kModulesEnd);
  }
}

// With LA57 the direct map starts at 0xff11000000000000, below the 4-level kernel half.
TEST(KernelAddressSpaceTest, KernelReadsFollowThePagingMode) {
  constexpr uint64_t kDirectMap5 = 0xff11000000010000;
  for (unsigned levels : {4U, 5U}) {
    PageTableMemory memory(levels);
    memory.Map(kDirectMap5, kEntryPresent | kEntryNoExecute);
    memory.PutU64(kDirectMap5, 0x1122334455667788);
    KernelAddressSpace space(memory, memory.Root(), levels);
    std::array<uint8_t, 8> bytes{};
    VirtualRead read = space.ReadKernel(kDirectMap5, bytes);
    EXPECT_EQ(read.Ok(), levels == 5) << levels;
    EXPECT_FALSE(space.ReadKernel(0x00007fff00000000, bytes).Ok());  // user half
    EXPECT_FALSE(space.Read(kDirectMap5, bytes).Ok());               // not the module area
  }
}

}  // namespace
}  // namespace virdomm::monitor
