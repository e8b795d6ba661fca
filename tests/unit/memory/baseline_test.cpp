// The signed baseline file: round trip, tampering anywhere, a wrong key, truncation; and the
// acknowledgement of classified changes.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "common/error.h"
#include "common/hex.h"
#include "memory/baseline.h"
#include "memory/memory_checker.h"
#include "memory/report_format.h"

namespace virdomm::monitor {
namespace {

KernelBaseline SampleBaseline() {
  KernelBaseline baseline;
  baseline.banner = "Linux version 6.1.0-56-amd64 (test) #1 SMP";
  baseline.release = "6.1.0-56-amd64";
  baseline.text_physical = uint64_t{334} << 20;
  baseline.virtual_offset = 0x18e00000;
  baseline.text_link = 0xffffffff81000000;
  baseline.created = "2026-01-01T00:00:00Z";
  baseline.text_pages = 3585;
  baseline.text_pages_equal_image = 936;
  baseline.regions.push_back({"text", 0xffffffff81000000, std::vector<uint8_t>(10000, 0x90)});
  baseline.regions.push_back({"rodata", 0xffffffff82000000, std::vector<uint8_t>(3000, 0x41)});
  return baseline;
}

const std::vector<uint8_t> kKey(32, 0x5a);

// A small baseline with printable region bytes: the file of an earlier build,
// tests/data/memory/baseline-v1.bin, is this under kKey.
KernelBaseline GoldenBaseline() {
  KernelBaseline baseline;
  baseline.banner = "Linux version 6.1.0-56-amd64 (test) #1 SMP";
  baseline.release = "6.1.0-56-amd64";
  baseline.text_physical = 0x1000000;
  baseline.virtual_offset = 0x18e00000;
  baseline.text_link = 0xffffffff81000000;
  baseline.created = "2026-01-01T00:00:00Z";
  baseline.text_pages = 2;
  baseline.text_pages_equal_image = 1;
  baseline.regions.push_back({"text", 0xffffffff81000000, std::vector<uint8_t>(24, 'T')});
  baseline.regions.push_back({"rodata", 0xffffffff82000000, std::vector<uint8_t>(8, 'R')});
  baseline.acknowledgements.push_back(
      {"2026-01-01T00:00:01Z", "kprobe", 0xffffffff81000005, 1, "__x64_sys_getpid+0x5"});
  return baseline;
}

// The file of an earlier build still verifies and parses, and the same baseline serialises to
// the same bytes: the format and its MAC never change under an existing deployment.
TEST(BaselineFileTest, FileOfAnEarlierBuildVerifiesAndIsReproduced) {
  std::ifstream in(std::string(VIRDOMM_TEST_DATA_DIR) + "/memory/baseline-v1.bin",
                   std::ios::binary);
  ASSERT_TRUE(in);
  std::vector<uint8_t> golden((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  ASSERT_GT(golden.size(), 32U);
  EXPECT_EQ(HexEncode(std::span(golden).last(32)),
            "e2deb79330eaa349192ebe691e8fe0133e62f2232ada1f225451f205f2299883");
  KernelBaseline parsed = ParseBaseline(golden, kKey);
  KernelBaseline original = GoldenBaseline();
  EXPECT_EQ(parsed.banner, original.banner);
  EXPECT_EQ(parsed.virtual_offset, original.virtual_offset);
  ASSERT_EQ(parsed.regions.size(), 2U);
  EXPECT_EQ(parsed.regions[0].bytes, original.regions[0].bytes);
  ASSERT_EQ(parsed.acknowledgements.size(), 1U);
  EXPECT_EQ(parsed.acknowledgements[0].address, 0xffffffff81000005U);
  EXPECT_EQ(SerializeBaseline(original, kKey), golden);
}

TEST(BaselineFileTest, RoundTrips) {
  KernelBaseline baseline = SampleBaseline();
  baseline.acknowledgements.push_back(
      {"2026-01-01T00:00:01Z", "kprobe", 0xffffffff810be355, 1, "__x64_sys_getpid+0x5"});
  auto file = SerializeBaseline(baseline, kKey);
  KernelBaseline parsed = ParseBaseline(file, kKey);
  EXPECT_EQ(parsed.banner, baseline.banner);
  EXPECT_EQ(parsed.release, baseline.release);
  EXPECT_EQ(parsed.text_physical, baseline.text_physical);
  EXPECT_EQ(parsed.virtual_offset, baseline.virtual_offset);
  ASSERT_EQ(parsed.regions.size(), 2u);
  EXPECT_EQ(parsed.regions[1].bytes, baseline.regions[1].bytes);
  EXPECT_EQ(parsed.regions[0].start, baseline.regions[0].start);
  ASSERT_EQ(parsed.acknowledgements.size(), 1u);
  EXPECT_EQ(parsed.acknowledgements[0].location, "__x64_sys_getpid+0x5");
  EXPECT_EQ(parsed.ContentDigest(), baseline.ContentDigest());
  EXPECT_EQ(parsed.text_pages, 3585u);
  EXPECT_EQ(parsed.text_pages_equal_image, 936u);
}

// The report says the baseline is the kernel as first seen, when, and how much of it the trusted
// image vouched for: an admin reading a check knows what "clean" is measured against.
TEST(BaselineFileTest, ChecksNameTheBaselinesOrigin) {
  KernelBaseline baseline = ParseBaseline(SerializeBaseline(SampleBaseline(), kKey), kKey);
  CheckReport report;
  report.baseline_created = baseline.created;
  report.baseline_text_pages = baseline.text_pages;
  report.baseline_text_pages_equal_image = baseline.text_pages_equal_image;
  EXPECT_NE(FormatCheckJson(report).find("\"baseline\":{\"origin\":\"first-sight\",\"taken\":"
                                         "\"2026-01-01T00:00:00Z\",\"text_pages\":3585,"
                                         "\"text_pages_equal_image\":936}"),
            std::string::npos)
      << FormatCheckJson(report);
  EXPECT_NE(FormatCheckText(report).find("baseline: the running kernel at first sight, "
                                         "2026-01-01T00:00:00Z; 936 of 3585 text pages equal"),
            std::string::npos)
      << FormatCheckText(report);
}

TEST(BaselineFileTest, ImagePagesAboveTextPagesAreRefused) {
  KernelBaseline baseline = SampleBaseline();
  baseline.text_pages_equal_image = baseline.text_pages + 1;
  EXPECT_THROW(ParseBaseline(SerializeBaseline(baseline, kKey), kKey), Error);
}

TEST(BaselineFileTest, EveryTamperedByteIsRefused) {
  auto file = SerializeBaseline(SampleBaseline(), kKey);
  // Header, region bytes and the MAC itself.
  for (std::size_t at : {std::size_t{30}, std::size_t{200}, file.size() / 2, file.size() - 1}) {
    auto tampered = file;
    tampered[at] ^= 0x01;
    EXPECT_THROW(ParseBaseline(tampered, kKey), Error) << "byte " << at;
  }
}

TEST(BaselineFileTest, WrongKeyTruncationAndGarbageAreRefused) {
  auto file = SerializeBaseline(SampleBaseline(), kKey);
  std::vector<uint8_t> other_key(32, 0x11);
  EXPECT_THROW(ParseBaseline(file, other_key), Error);
  EXPECT_THROW(ParseBaseline(std::span(file).first(file.size() - 100), kKey), Error);
  EXPECT_THROW(ParseBaseline(std::vector<uint8_t>(10, 0), kKey), Error);
  std::vector<uint8_t> empty;
  EXPECT_THROW(ParseBaseline(empty, kKey), Error);
}

TEST(AcknowledgeTest, AcceptsClassifiedAndRefusesUnknown) {
  KernelBaseline baseline = SampleBaseline();
  Change kprobe;
  kprobe.kind = ChangeKind::kKprobe;
  kprobe.address = 0xffffffff81000010;
  kprobe.old_bytes = {0x90};
  kprobe.new_bytes = {0xcc};
  kprobe.location = "f+0x10";
  Change unknown = kprobe;
  unknown.kind = ChangeKind::kUnknownText;
  unknown.address = 0xffffffff81000020;
  EXPECT_EQ(AcknowledgeChanges(baseline, {kprobe, unknown}), 1u);
  EXPECT_EQ(baseline.regions[0].bytes[0x10], 0xcc);
  EXPECT_EQ(baseline.regions[0].bytes[0x20], 0x90);
  ASSERT_EQ(baseline.acknowledgements.size(), 1u);
  EXPECT_EQ(baseline.acknowledgements[0].kind, "kprobe");
}

}  // namespace
}  // namespace virdomm::monitor
