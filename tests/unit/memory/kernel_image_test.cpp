// The kernel image layer on Debian's real kernels (fetched by the memory_kernel fixtures): 6.1
// (Debian 12, xz) by default, 6.12 (Debian 13, zstd) when VIRDOMM_MEMORY_KERNEL names it, with
// VIRDOMM_MEMORY_KERNEL_RELEASE and VIRDOMM_MEMORY_KERNEL_CODEC saying what to expect:
// bzImage extraction, ELF sections, kallsyms decoding checked against the image's own
// sys_call_table, patch-site tables; and the parsers' refusal of truncated or garbage input.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>

#include "common/error.h"
#include "memory/byte_reader.h"
#include "memory/elf_image.h"
#include "memory/kallsyms_decoder.h"
#include "memory/kernel_image_file.h"
#include "memory/kernel_model.h"

namespace virdomm::monitor {
namespace {

std::string Setting(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string KernelPath() { return Setting("VIRDOMM_MEMORY_KERNEL", VIRDOMM_MEMORY_KERNEL); }

const VmlinuxBytes& Vmlinux() {
  static const VmlinuxBytes vmlinux = LoadVmlinux(KernelPath());
  return vmlinux;
}

const DecodedKallsyms& Kallsyms() {
  static const DecodedKallsyms decoded = DecodeKallsyms(ElfImage(Vmlinux().bytes));
  return decoded;
}

TEST(KernelImageTest, ExtractsTheElfFromTheBzImage) {
  EXPECT_EQ(Vmlinux().origin,
            "bzImage payload (" + Setting("VIRDOMM_MEMORY_KERNEL_CODEC", "xz") + ")");
  ElfImage elf(Vmlinux().bytes);
  const ElfSection* text = elf.FindSection(".text");
  const ElfSection* rodata = elf.FindSection(".rodata");
  ASSERT_NE(text, nullptr);
  ASSERT_NE(rodata, nullptr);
  EXPECT_EQ(text->address, 0xffffffff81000000ULL);
  EXPECT_GT(text->size, uint64_t{10} << 20);   // ~14 MiB (6.1), 16 MiB (6.12)
  EXPECT_GT(rodata->size, uint64_t{3} << 20);  // ~4.4 MiB
  EXPECT_TRUE(elf.ReadSymbols().empty());      // Debian strips the embedded vmlinux
}

TEST(KallsymsTest, DecodesTheDebianKernelsSymbols) {
  const SymbolTable& symbols = Kallsyms().symbols;
  EXPECT_GT(symbols.Size(), 50000u);
  EXPECT_EQ(symbols.AddressOf("_text"), 0xffffffff81000000ULL);
  EXPECT_EQ(Kallsyms().layout.relative_base, 0xffffffff81000000ULL);
  for (const char* name : {"_stext", "_etext", "__start_rodata", "__end_rodata", "linux_banner",
                           "sys_call_table", "__start___jump_table", "__start_mcount_loc"}) {
    EXPECT_TRUE(symbols.AddressOf(name).has_value()) << name;
  }
}

TEST(KallsymsTest, AgreesWithTheImagesOwnPointers) {
  // sys_call_table holds link-time addresses in the file: entry 39 is getpid, 0 is read.
  const SymbolTable& symbols = Kallsyms().symbols;
  ElfImage elf(Vmlinux().bytes);
  uint64_t table = symbols.RequireAddress("sys_call_table");
  auto entries = elf.BytesAt(table, 40 * 8);
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(ReadLe<uint64_t>(entries, 0, "read"), symbols.RequireAddress("__x64_sys_read"));
  EXPECT_EQ(ReadLe<uint64_t>(entries, 39 * 8, "getpid"),
            symbols.RequireAddress("__x64_sys_getpid"));
  EXPECT_EQ(symbols.Describe(symbols.RequireAddress("__x64_sys_getpid") + 5),
            "__x64_sys_getpid+0x5");
  std::string_view banner =
      CStringAt(elf.BytesAt(symbols.RequireAddress("linux_banner"), 400), 0, 400);
  EXPECT_EQ(banner.substr(0, 14), "Linux version ");
}

TEST(KernelModelTest, RegionsSitesAndRelease) {
  KernelModel model = BuildKernelModel(Vmlinux(), std::nullopt);
  std::string release = Setting("VIRDOMM_MEMORY_KERNEL_RELEASE", "6.1.");
  EXPECT_EQ(model.release.substr(0, release.size()), release);
  ASSERT_EQ(model.regions.size(), 2u);
  EXPECT_EQ(model.regions[0].name, "text");
  EXPECT_EQ(model.regions[1].name, "rodata");
  EXPECT_GT(model.sites.Count(SiteKind::kJumpLabel), 1000u);
  EXPECT_GT(model.sites.Count(SiteKind::kFtrace), 10000u);
  EXPECT_GT(model.sites.Count(SiteKind::kStaticCall), 100u);
  // ftrace sites sit at function entries: getpid's at +0 without IBT (Debian's 6.1), after
  // the 4-byte ENDBR64 with it (Debian's 6.12).
  uint64_t getpid = model.symbols.RequireAddress("__x64_sys_getpid");
  const PatchSite* site = model.sites.Containing(getpid);
  if (site == nullptr || site->kind != SiteKind::kFtrace) {
    site = model.sites.Containing(getpid + 4);
  }
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->kind, SiteKind::kFtrace);
  EXPECT_LE(site->address, getpid + 4);
  EXPECT_GT(model.sys_call_table_entries, 300u);
}

// Each jump label knows its static key: the freezer's sites (in __refrigerator, among others)
// name freezer_active, which a watch holds back around every suspend of the guest.
TEST(KernelModelTest, JumpLabelsNameTheirStaticKey) {
  KernelModel model = BuildKernelModel(Vmlinux(), std::nullopt);
  uint64_t freezer_key = model.symbols.RequireAddress("freezer_active");
  uint64_t refrigerator = model.symbols.RequireAddress("__refrigerator");
  int freezer_sites = 0;
  for (uint64_t at = refrigerator; at < refrigerator + 0x200; ++at) {
    const PatchSite* site = model.sites.Containing(at);
    if (site != nullptr && site->address == at && site->kind == SiteKind::kJumpLabel) {
      freezer_sites += site->key == freezer_key ? 1 : 0;
    }
  }
  EXPECT_GE(freezer_sites, 1);
}

TEST(KernelModelTest, RefusesSymbolsOfAnotherKernel) {
  // A "System.map" whose linux_banner points somewhere else in .text.
  std::vector<KernelSymbol> wrong = Kallsyms().symbols.ByAddress();
  for (KernelSymbol& symbol : wrong) {
    if (symbol.name == "linux_banner") {
      symbol.address = 0xffffffff81000100ULL;
    }
  }
  EXPECT_THROW(BuildKernelModel(Vmlinux(), SymbolTable(wrong, SymbolSource::kSystemMap)), Error);
}

TEST(ParserBoundsTest, TruncatedImagesAreRefused) {
  std::vector<uint8_t> file = ReadWholeFile(KernelPath(), std::size_t{64} << 20);
  // The payload ends before the bzImage's trailing sections; cut inside the payload.
  uint64_t setup_sects = file[0x1f1] == 0 ? 4 : file[0x1f1];
  uint64_t payload_end = (setup_sects + 1) * 512 + ReadLe<uint32_t>(file, 0x248, "offset") +
                         ReadLe<uint32_t>(file, 0x24c, "length");
  ASSERT_LE(payload_end, file.size());
  for (std::size_t keep : {std::size_t{0}, std::size_t{100}, std::size_t{0x250}, file.size() / 2,
                           static_cast<std::size_t>(payload_end - 1000)}) {
    std::span<const uint8_t> truncated(file.data(), keep);
    EXPECT_THROW(ExtractVmlinux(truncated), Error) << "kept " << keep;
  }
  const auto& elf = Vmlinux().bytes;
  for (std::size_t keep : {std::size_t{10}, std::size_t{64}, std::size_t{4096}, elf.size() / 2}) {
    EXPECT_THROW(ElfImage(std::span(elf.data(), keep)), Error) << "kept " << keep;
  }
}

TEST(ParserBoundsTest, CorruptHeaderFieldsAreRefused) {
  std::vector<uint8_t> elf(Vmlinux().bytes.begin(), Vmlinux().bytes.begin() + (1 << 16));
  // Point the section header table past the end.
  std::vector<uint8_t> bad = elf;
  uint64_t far = ~uint64_t{0} - 10;
  std::memcpy(bad.data() + 0x28, &far, 8);
  EXPECT_THROW(ElfImage{bad}, Error);
  bad = elf;
  bad[4] = 1;  // ELFCLASS32
  EXPECT_THROW(ElfImage{bad}, Error);
}

TEST(ParserBoundsTest, RandomBytesHaveNoKallsyms) {
  std::mt19937_64 random(42);
  std::vector<uint8_t> noise(1 << 20);
  for (auto& byte : noise) {
    byte = static_cast<uint8_t>(random());
  }
  EXPECT_THROW(DecodeKallsyms(noise), Error);
  EXPECT_THROW(ExtractVmlinux(noise), Error);
  std::vector<uint8_t> zeros(1 << 20, 0);
  EXPECT_THROW(DecodeKallsyms(zeros), Error);
}

TEST(ParserBoundsTest, KallsymsWithCorruptTablesIsRefusedOrConsistent) {
  // Damage the names table: decoding must fail cleanly, never read out of bounds.
  ElfImage elf(Vmlinux().bytes);
  const ElfSection* rodata = elf.FindSection(".rodata");
  ASSERT_NE(rodata, nullptr);
  std::vector<uint8_t> bytes(
      Vmlinux().bytes.begin() + static_cast<long>(rodata->offset),
      Vmlinux().bytes.begin() + static_cast<long>(rodata->offset + rodata->size));
  const KallsymsLayout& layout = Kallsyms().layout;
  std::fill(bytes.begin() + static_cast<long>(layout.names) + 1000,
            bytes.begin() + static_cast<long>(layout.names) + 1100, 0);
  EXPECT_THROW(DecodeKallsyms(bytes), Error);
}

}  // namespace
}  // namespace virdomm::monitor
