// LVM2: the text metadata parser over real vgcfgbackup output and hostile text, the mapping of
// linear segments (and the refusal of striped and PV-spanning ones), LVM's CRC, and a real PV's
// label and metadata area (a seed of the volume fuzzer, made by make-volume-corpus.sh).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "storage/lvm_metadata.h"
#include "storage/lvm_text.h"

namespace virdomm::monitor {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string Corpus(const std::string& name) {
  std::string dir =
      name.size() > 3 && name.substr(name.size() - 3) == ".vg" ? "/lvm-corpus/" : "/volume-corpus/";
  return ReadFile(std::string(VIRDOMM_STORAGE_FUZZ_DIR) + dir + name);
}

// vgcfgbackup of a VG whose LV "data" was extended after LV "boot": two linear segments.
constexpr char kTwoSegments[] = "vgcfgbackup-linear.vg";
constexpr char kPvUuid[] = "KP55N16RnYknNezsVgrM9XSmRbi5SWgP";
constexpr std::uint64_t kMiB = 1 << 20;

TEST(LvmText, ParsesRealBackup) {
  LvmSection root = ParseLvmText(Corpus(kTwoSegments));
  EXPECT_EQ(root.String("contents", "top"), "Text Format Volume Group");
  EXPECT_EQ(root.Number("version", "top"), 1);
  const LvmSection* vg = root.Section("vgt");
  ASSERT_NE(vg, nullptr);
  EXPECT_EQ(vg->Number("extent_size", "vg"), 8192);
  const LvmValue* status = vg->Value("status");
  ASSERT_NE(status, nullptr);
  ASSERT_EQ(status->kind, LvmValue::Kind::kArray);
  ASSERT_EQ(status->items.size(), 3U);
  EXPECT_EQ(status->items[0].text, "RESIZEABLE");
  const LvmSection* data = vg->Section("logical_volumes")->Section("data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->Section("segment2")->Number("start_extent", "seg"), 10);
}

TEST(LvmText, StringsCommentsAndEscapes) {
  LvmSection root = ParseLvmText("a = \"x\\\"y # not a comment\" # a comment\nb = -5\nc = 1.5\n");
  EXPECT_EQ(root.String("a", "t"), "x\"y # not a comment");
  EXPECT_EQ(root.Number("b", "t"), -5);
  EXPECT_EQ(root.Value("c")->kind, LvmValue::Kind::kFloat);
}

TEST(LvmText, RefusesMalformedText) {
  for (const char* text :
       {"a = \"unterminated", "a {", "}", "a = ", "a = [1, 2", "a = [[1]]", "a b",
        "a = 99999999999999999999", "a = -9223372036854775809", "= 3", "a = [1 2]"}) {
    EXPECT_THROW(ParseLvmText(text), LvmError) << text;
  }
  EXPECT_EQ(ParseLvmText("a = -9223372036854775808").Number("a", "t"), INT64_MIN);
}

TEST(LvmText, BoundsDepthAndItems) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "s {\n";
  for (int i = 0; i < 40; ++i) deep += "}\n";
  EXPECT_THROW(ParseLvmText(deep), LvmError);
  LvmTextLimits limits;
  limits.max_items = 10;
  EXPECT_THROW(ParseLvmText("a = [1,2,3,4,5,6,7,8,9,10,11]", limits), LvmError);
  limits.max_bytes = 4;
  EXPECT_THROW(ParseLvmText("a = 1\n", limits), LvmError);
}

TEST(LvmMapping, LinearSegmentsBecomePieces) {
  std::uint64_t pv_offset = 7 * kMiB;
  LvmPhysicalVolume pv =
      MapLvmVolumes(ParseLvmText(Corpus(kTwoSegments)), kPvUuid, pv_offset, 200 * kMiB);
  EXPECT_EQ(pv.vg, "vgt");
  EXPECT_EQ(pv.seqno, 4U);
  EXPECT_TRUE(pv.warnings.empty());
  ASSERT_EQ(pv.volumes.size(), 2U);
  const LvmLogicalVolume& data = pv.volumes[0];
  EXPECT_EQ(data.name, "data");
  ASSERT_EQ(data.pieces.size(), 2U);  // extents 0-9 at PE 0, extents 10-14 at PE 18
  EXPECT_EQ(data.pieces[0].volume_offset, 0U);
  EXPECT_EQ(data.pieces[0].image_offset, pv_offset + kMiB);  // pe_start = 2048 sectors
  EXPECT_EQ(data.pieces[0].length, 40 * kMiB);
  EXPECT_EQ(data.pieces[1].volume_offset, 40 * kMiB);
  EXPECT_EQ(data.pieces[1].image_offset, pv_offset + kMiB + kMiB * 18 * 4);
  EXPECT_EQ(data.pieces[1].length, 20 * kMiB);
  const LvmLogicalVolume& boot = pv.volumes[1];
  ASSERT_EQ(boot.pieces.size(), 1U);
  EXPECT_EQ(boot.pieces[0].image_offset, pv_offset + kMiB + kMiB * 10 * 4);
}

TEST(LvmMapping, StripedAndSpanningVolumesAreNamed) {
  std::string text = Corpus("striped-and-spanning.vg");
  LvmSection root = ParseLvmText(text);
  const LvmSection* pv0 = root.Section("vdtest1")->Section("physical_volumes")->Section("pv0");
  std::string uuid;
  for (char c : pv0->String("id", "pv0")) {
    if (c != '-') uuid.push_back(c);
  }
  LvmPhysicalVolume pv = MapLvmVolumes(root, uuid, 0, 64 * kMiB);
  EXPECT_TRUE(pv.volumes.empty());
  ASSERT_EQ(pv.warnings.size(), 2U);
  EXPECT_EQ(pv.warnings[0], "LV vdtest1/striped is skipped: striped segments are not supported");
  EXPECT_EQ(pv.warnings[1],
            "LV vdtest1/spanning is skipped: it has extents on another physical volume (pv1)");
}

TEST(LvmMapping, RefusesSegmentsOutsideThePv) {
  std::string text = Corpus(kTwoSegments);
  // The PV is too small for extent 18 of LV data.
  EXPECT_THROW(MapLvmVolumes(ParseLvmText(text), kPvUuid, 0, 60 * kMiB), LvmError);
  std::string thin = text;
  size_t at = thin.find("type = \"striped\"");
  thin.replace(at, 16, "type = \"thin\"   ");
  LvmPhysicalVolume pv = MapLvmVolumes(ParseLvmText(thin), kPvUuid, 0, 200 * kMiB);
  ASSERT_EQ(pv.warnings.size(), 1U);
  EXPECT_NE(pv.warnings[0].find("segment type \"thin\" is not supported"), std::string::npos);
  EXPECT_THROW(MapLvmVolumes(ParseLvmText(text), "not-this-pv", 0, 200 * kMiB), LvmError);
}

TEST(LvmCrc, IsReflectedCrc32WithoutFinalInversion) {
  const char* check = "123456789";
  auto* bytes = reinterpret_cast<const std::uint8_t*>(check);
  EXPECT_EQ(~LvmCrc(0xffffffffU, bytes, 9), 0xcbf43926U);  // the CRC-32 check value
}

// ReadAtFn over an in-memory copy of a real PV, zero beyond its bytes.
ReadAtFn MemoryReader(const std::string& bytes, std::uint64_t size) {
  return [&bytes, size](std::uint64_t offset, void* out, size_t length) -> size_t {
    if (offset >= size) return 0;
    length = static_cast<size_t>(std::min<std::uint64_t>(length, size - offset));
    std::memset(out, 0, length);
    if (offset < bytes.size()) {
      std::memcpy(out, bytes.data() + offset, std::min<size_t>(length, bytes.size() - offset));
    }
    return length;
  };
}

TEST(LvmPhysicalVolumeRead, RealLabelAndMetadataArea) {
  std::string pv_bytes = Corpus("lvm-pv-xfs.img");
  ReadAtFn read = MemoryReader(pv_bytes, 40 * kMiB);
  ASSERT_TRUE(HasLvmLabel(read, 0, 40 * kMiB));
  LvmPhysicalVolume pv = ReadLvmPhysicalVolume(read, 0, 40 * kMiB);
  EXPECT_EQ(pv.vg, "vdfuzz");
  ASSERT_EQ(pv.volumes.size(), 1U);
  EXPECT_EQ(pv.volumes[0].name, "root");
  EXPECT_EQ(pv.volumes[0].pieces.size(), 1U);
  EXPECT_EQ(pv.volumes[0].pieces[0].length, 24 * kMiB);
}

TEST(LvmPhysicalVolumeRead, DamageIsRefused) {
  std::string pv_bytes = Corpus("lvm-pv-xfs.img");
  // A flipped byte in the label, in the metadata area header, in the metadata text.
  std::string label = pv_bytes;
  label[512 + 40] ^= 1;
  EXPECT_FALSE(HasLvmLabel(MemoryReader(label, 40 * kMiB), 0, 40 * kMiB));
  std::string header = pv_bytes;
  header[4096 + 30] ^= 1;
  EXPECT_THROW(ReadLvmPhysicalVolume(MemoryReader(header, 40 * kMiB), 0, 40 * kMiB), LvmError);
  std::string text = pv_bytes;
  size_t at = text.rfind("vdfuzz {");  // the newest copy: the ring is written forwards
  ASSERT_NE(at, std::string::npos);
  text[at + 2] ^= 1;
  try {
    ReadLvmPhysicalVolume(MemoryReader(text, 40 * kMiB), 0, 40 * kMiB);
    ADD_FAILURE() << "damaged metadata text accepted";
  } catch (const LvmError& error) {
    EXPECT_NE(std::string(error.what()).find("checksum"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace virdomm::monitor
