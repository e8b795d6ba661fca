// Symbol lookup, System.map parsing (stub and malformed files), KASLR arithmetic and the
// RAM-file layouts.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/error.h"
#include "memory/file_memory.h"
#include "memory/kernel_locator.h"
#include "memory/memory_layout.h"
#include "memory/symbol_table.h"

namespace virdomm::monitor {
namespace {

std::string SyntheticMap(std::size_t count) {
  std::string text;
  char line[96];
  for (std::size_t i = 0; i < count; ++i) {
    std::snprintf(line, sizeof(line), "%016llx T sym_%zu\n",
                  static_cast<unsigned long long>(0xffffffff81000000ULL + i * 0x10), i);
    text += line;
  }
  return text;
}

TEST(SymbolTableTest, DescribesAddressesAsSymbolPlusOffset) {
  SymbolTable table({{"b", 0x2000, 'T'}, {"a", 0x1000, 't'}, {"__start_x", 0x2000, 'D'}},
                    SymbolSource::kKallsyms);
  EXPECT_EQ(table.Describe(0x1000), "a+0x0");
  EXPECT_EQ(table.Describe(0x1fff), "a+0xfff");
  EXPECT_EQ(table.Describe(0x2004), "b+0x4");  // real name preferred over a section marker
  EXPECT_EQ(table.Describe(0x10), "0x0000000000000010");
  EXPECT_EQ(table.AddressOf("a"), 0x1000u);
  EXPECT_FALSE(table.AddressOf("missing").has_value());
  EXPECT_THROW((void)table.RequireAddress("missing"), Error);
}

TEST(SymbolTableTest, GlobalAliasWinsOverLocal) {
  SymbolTable table({{"__do_sys_getpid", 0x1000, 't'}, {"__x64_sys_getpid", 0x1000, 'T'}},
                    SymbolSource::kKallsyms);
  EXPECT_EQ(table.Describe(0x1002), "__x64_sys_getpid+0x2");
}

TEST(SystemMapTest, ParsesARealSizedMap) {
  SymbolTable table = ParseSystemMap(SyntheticMap(2000));
  EXPECT_EQ(table.Size(), 2000u);
  EXPECT_EQ(table.Source(), SymbolSource::kSystemMap);
  EXPECT_EQ(table.Describe(0xffffffff81000015ULL), "sym_1+0x5");
}

TEST(SystemMapTest, RefusesDebiansStub) {
  const std::string stub =
      "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n";
  try {
    (void)ParseSystemMap(stub);
    FAIL() << "stub accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("stub"), std::string::npos) << error.what();
  }
}

TEST(SystemMapTest, RefusesMalformedLines) {
  EXPECT_THROW((void)ParseSystemMap(SyntheticMap(2000) + "zzzz T bad\n"), Error);
  EXPECT_THROW((void)ParseSystemMap(SyntheticMap(2000) + "ffff\n"), Error);
  EXPECT_THROW((void)ParseSystemMap(SyntheticMap(10)), Error);  // too few symbols
  EXPECT_THROW((void)ParseSystemMap(std::string(5000, '\0')), Error);
}

TEST(KaslrTest, TextPhysicalFromBanner) {
  // Banner 0x1161900 past _text; _text loaded at 334 MiB.
  uint64_t text = uint64_t{334} << 20;
  uint64_t banner_link = 0xffffffff82161900ULL;
  uint64_t text_link = 0xffffffff81000000ULL;
  EXPECT_EQ(TextPhysicalFromBanner(text + 0x1161900, banner_link, text_link), text);
  EXPECT_EQ(TextPhysicalFromBanner(text + 0x1161900, banner_link, text_link) % kKernelAlign, 0u);
}

TEST(LayoutTest, Q35SplitsOnlyLargeMemory) {
  auto small = DeriveLayout(ParseLayoutSpec("q35"), uint64_t{256} << 20);
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0].size, uint64_t{256} << 20);
  auto large = DeriveLayout(ParseLayoutSpec("q35"), uint64_t{4} << 30);
  ASSERT_EQ(large.size(), 2u);
  EXPECT_EQ(large[0].size, 0x80000000u);
  EXPECT_EQ(large[1].guest_physical, uint64_t{4} << 30);
  EXPECT_EQ(large[1].file_offset, 0x80000000u);
  EXPECT_EQ(FileOffsetOf(large, uint64_t{4} << 30), 0x80000000u);
  EXPECT_FALSE(FileOffsetOf(large, 0x90000000).has_value());  // the PCI hole
}

TEST(LayoutTest, PcFlatAndLowmem) {
  auto pc = DeriveLayout(ParseLayoutSpec("pc"), uint64_t{4} << 30);
  ASSERT_EQ(pc.size(), 2u);
  EXPECT_EQ(pc[0].size, 0xc0000000u);
  auto flat = DeriveLayout(ParseLayoutSpec("flat"), uint64_t{4} << 30);
  ASSERT_EQ(flat.size(), 1u);
  auto lowmem = DeriveLayout(ParseLayoutSpec("lowmem=1G"), uint64_t{2} << 30);
  ASSERT_EQ(lowmem.size(), 2u);
  EXPECT_EQ(lowmem[0].size, uint64_t{1} << 30);
  EXPECT_EQ(ToString(ParseLayoutSpec("pc")), "pc");
  EXPECT_THROW(ParseLayoutSpec("lowmem=5G"), Error);
  EXPECT_THROW(ParseLayoutSpec("lowmem=12"), Error);
  EXPECT_THROW(ParseLayoutSpec("isa"), Error);
}

TEST(FileMemoryTest, FramesOutsideTheFileAreHolesNotCrashes) {
  std::string path = ::testing::TempDir() + "/ram-small";
  {
    std::ofstream out(path, std::ios::binary);
    std::string page(4096, 'x');
    out << page << page;
  }
  FileMemory memory(path, ParseLayoutSpec("q35"));
  EXPECT_EQ(memory.FrameLimit(), 2u);
  std::vector<uint64_t> gfns = {0, 1, 2, ~uint64_t{0}};
  FrameView view = memory.MapFrames(gfns);
  ASSERT_EQ(view.Count(), 4u);
  EXPECT_EQ(view.Frame(1)[0], 'x');
  EXPECT_EQ(view.Frame(2), nullptr);
  EXPECT_NE(view.Error(2), 0);
  EXPECT_EQ(view.Frame(3), nullptr);
  std::vector<uint8_t> out(10);
  EXPECT_THROW(ReadPhysical(memory, 4096 * 2 - 4, out), Error);
}

TEST(FileMemoryTest, RefusesMissingAndTinyFiles) {
  EXPECT_THROW(FileMemory("/nonexistent/ram", ParseLayoutSpec("q35")), Error);
  std::string path = ::testing::TempDir() + "/ram-tiny";
  std::ofstream(path) << "abc";
  EXPECT_THROW(FileMemory(path, ParseLayoutSpec("q35")), Error);
}

}  // namespace
}  // namespace virdomm::monitor
