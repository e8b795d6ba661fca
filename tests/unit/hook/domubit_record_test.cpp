// The DomU-bit record reader: valid files, and every way a file can be wrong.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "hook_test_support.h"
#include "xen/domubit_record.h"

namespace virdomm::test {
namespace {

constexpr const char* kHeader = "virdomm-domubit 1\n";

std::string ErrorOf(const std::string& text) {
  try {
    (void)ParseDomUBitRecord(text, "rec");
  } catch (const DomUBitRecordError& e) {
    return e.what();
  }
  return "";
}

TEST(DomUBitRecord, ReadsTheGoldenRecord) {
  auto entries = ParseDomUBitRecord(ReadGolden("domubit-record-valid.txt"), "golden");
  ASSERT_EQ(entries.size(), 4U);
  EXPECT_EQ(entries[0], (DomUBitEntry{0x1a2b3, 0, 0x1000, 0x8080000000000025ULL}));
  EXPECT_EQ(entries[2], (DomUBitEntry{0x1a2b3, 511, 0x10ff, 0x80000000000065ULL}));
  EXPECT_EQ(entries[3].l1_mfn, 0x2c4d5U);
  EXPECT_EQ(entries[3].slot, 17U);
  // What mmu_update gets: machine address of the slot and the PTE value.
  EXPECT_EQ(entries[2].PteMachineAddress(), (0x1a2b3ULL << 12U) + 8ULL * 511U);
  EXPECT_EQ(entries[2].PteValue(), (0x10ffULL << 12U) | 0x80000000000065ULL);
  EXPECT_NE(entries[2].PteValue() & kDomUBit, 0U);
}

TEST(DomUBitRecord, HeaderOnlyIsAnEmptyRecord) {
  EXPECT_TRUE(ParseDomUBitRecord(kHeader, "rec").empty());
}

TEST(DomUBitRecord, RejectsTruncatedFiles) {
  std::string valid = ReadGolden("domubit-record-valid.txt");
  EXPECT_NE(ErrorOf(valid.substr(0, valid.size() - 1)).find("no newline"), std::string::npos);
  EXPECT_NE(ErrorOf(valid.substr(0, valid.size() - 10)).find("line 5"), std::string::npos);
  EXPECT_NE(ErrorOf("virdomm-domubit 1").find("no newline"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("empty file"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string(kHeader) + "entry 1a2b3 0 1000\n").find("has 3"),
            std::string::npos);
}

TEST(DomUBitRecord, RejectsGarbage) {
  for (const std::string& text :
       {std::string("\x7f"
                    "ELF\x02\x01\x01",
                    7),
        std::string("virdomm-domubit 2\n"), std::string("entry 1 0 1 80000000000025\n"),
        std::string(kHeader) + "\n", std::string(kHeader) + "entry  1a2b3 0 1000 80000000000025\n",
        std::string(kHeader) + "entry 1a2b3 0 1000 80000000000025 \n",
        std::string(kHeader) + "entry 0x1a2b3 0 1000 80000000000025\n",
        std::string(kHeader) + "entry 1a2b3 -1 1000 80000000000025\n",
        std::string(kHeader) + "entry 1a2b3 +1 1000 80000000000025\n",
        std::string(kHeader) + "entry 1a2b3 0 g000 80000000000025\n",
        std::string(kHeader) + "Entry 1a2b3 0 1000 80000000000025\n",
        std::string(kHeader) + "entry 1a2b3 0 1000 80000000000025\r\n",
        std::string(kHeader) + "entry" + std::string(1, '\0') + " 1 0 1 80000000000025\n"}) {
    EXPECT_FALSE(ErrorOf(text).empty()) << "accepted: " << text;
  }
  EXPECT_NE(ErrorOf("virdomm-domubit 2\n").find("unsupported record version '2'"),
            std::string::npos);
}

TEST(DomUBitRecord, RejectsOutOfRangeFields) {
  std::string h = kHeader;
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 512 1000 80000000000025\n").find("slot '512'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 99999999999999999999 1000 80000000000025\n").find("slot"),
            std::string::npos);
  EXPECT_NE(ErrorOf(h + "entry 10000000000 0 1000 80000000000025\n").find("l1-mfn"),
            std::string::npos);
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 0 10000000000 80000000000025\n").find("gfn"),
            std::string::npos);
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 0 1000 80000000001025\n").find("frame field"),
            std::string::npos);
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 0 1000 25\n").find("DomU bit"), std::string::npos);
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 0 1000 80000000000024\n").find("present"), std::string::npos);
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 0 1000 80000000000027\n").find("writable"), std::string::npos);
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 0 1000 18080000000000025\n").find("hexadecimal"),
            std::string::npos)
      << "17 hex digits";
  EXPECT_NE(ErrorOf(h + "entry 1a2b3 3 1000 80000000000025\nentry 1A2B3 3 2000 80000000000025\n")
                .find("appears twice"),
            std::string::npos);
}

TEST(DomUBitRecord, RejectsOversizedRecords) {
  std::string text = kHeader;
  std::string line = "entry 1a2b3 0 1000 80000000000025\n";
  // Too many bytes.
  std::string big = text + std::string(kMaxDomUBitRecordBytes, '#');
  EXPECT_NE(ErrorOf(big).find("accepted"), std::string::npos);
  // Too many entries (distinct slots across many tables, each line valid).
  std::string many = text;
  for (std::size_t i = 0; i <= kMaxDomUBitEntries; ++i) {
    char buf[64];
    (void)std::snprintf(buf, sizeof(buf), "entry %zx %zu 1000 80000000000025\n", i / 512 + 1,
                        i % 512);
    many += buf;
  }
  ASSERT_LE(many.size(), kMaxDomUBitRecordBytes);
  EXPECT_NE(ErrorOf(many).find("more than"), std::string::npos);
}

TEST(DomUBitRecord, ReadsFilesAndTellsAbsentFromBroken) {
  ScratchDir dir;
  EXPECT_EQ(ReadDomUBitRecordIfPresent(DomUBitRecordPath(dir.Path(), 7)), std::nullopt);
  std::string path = DomUBitRecordPath(dir.Path(), 7);
  EXPECT_EQ(path, dir.Path() + "/domubit/7");
  WriteFile(path, ReadGolden("domubit-record-valid.txt"));
  auto entries = ReadDomUBitRecordIfPresent(path);
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->size(), 4U);
  std::string as_dir = DomUBitRecordPath(dir.Path(), 8);
  ASSERT_EQ(::mkdir(as_dir.c_str(), 0700), 0);
  EXPECT_THROW((void)ReadDomUBitRecordIfPresent(as_dir), DomUBitRecordError);
  WriteFile(path, std::string(kMaxDomUBitRecordBytes + 1, 'x'));
  EXPECT_THROW((void)ReadDomUBitRecordIfPresent(path), DomUBitRecordError);
}

TEST(DomUBitRecord, PlanRefusesGfnsAboveMaximum) {
  auto entries = ParseDomUBitRecord(ReadGolden("domubit-record-valid.txt"), "golden");
  DomUBitInstallPlan plan = PlanDomUBitInstall(entries, 0x10ff);
  EXPECT_EQ(plan.accepted.size(), 3U);
  ASSERT_EQ(plan.refused.size(), 1U);
  EXPECT_EQ(plan.refused[0].gfn, 0x2a000U);
  EXPECT_EQ(PlanDomUBitInstall(entries, 0x2a000).refused.size(), 0U);
}

}  // namespace
}  // namespace virdomm::test
