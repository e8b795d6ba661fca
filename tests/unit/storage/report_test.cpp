// Comparison of records and the text/JSON report formats, including the exit bitmask.
#include <gtest/gtest.h>

#include "common/hex.h"

#include "storage/compare.h"
#include "storage/report_format.h"

namespace virdomm::monitor {
namespace {

FileRecord File(const std::string& path, std::uint32_t perm = 0644) {
  FileRecord r;
  r.path = path;
  r.type = FileType::kRegular;
  r.permissions = perm;
  r.size = 10;
  r.digests[0] = std::string(32, 'a');
  r.attributes = Bit(Attribute::kPermissions) | Bit(Attribute::kSize) | Bit(Attribute::kSha256) |
                 Bit(Attribute::kXattrs);
  return r;
}

TEST(StorageCompare, AddedRemovedChangedAndExitBits) {
  std::vector<FileRecord> old_records = {File("/a"), File("/b"), File("/c")};
  std::vector<FileRecord> new_records = {File("/a"), File("/c", 04755), File("/d")};
  new_records[0].digests[0] = std::string(32, 'b');
  Report report = CompareRecords(old_records, new_records);
  ASSERT_EQ(report.differences.size(), 4U);
  EXPECT_EQ(report.differences[0].kind, DifferenceKind::kChanged);
  EXPECT_EQ(report.differences[0].changes.at(0).attribute, "sha256");
  EXPECT_EQ(report.differences[0].changes.at(0).old_value, HexEncode(std::string(32, 'a')));
  EXPECT_EQ(report.differences[0].changes.at(0).new_value, HexEncode(std::string(32, 'b')));
  EXPECT_EQ(report.differences[1].kind, DifferenceKind::kRemoved);
  EXPECT_EQ(report.differences[1].path, "/b");
  EXPECT_EQ(report.differences[2].changes.at(0).attribute, "perm");
  EXPECT_EQ(report.differences[2].changes.at(0).old_value, "0644");
  EXPECT_EQ(report.differences[2].changes.at(0).new_value, "4755");
  EXPECT_EQ(report.differences[3].kind, DifferenceKind::kAdded);
  EXPECT_EQ(report.ExitBits(), kExitAdded | kExitRemoved | kExitChanged);
  EXPECT_EQ(CompareRecords(old_records, old_records).ExitBits(), 0);
  EXPECT_EQ(CompareRecords({}, {File("/x")}).ExitBits(), kExitAdded);
  EXPECT_EQ(CompareRecords({File("/x")}, {}).ExitBits(), kExitRemoved);
}

TEST(StorageCompare, OnlySelectedAttributesAreCompared) {
  FileRecord before = File("/a");
  FileRecord after = File("/a");
  after.uid = 7;         // not selected
  after.mtime = {5, 0};  // not selected
  EXPECT_TRUE(CompareRecord(before, after, after.attributes).empty());
  after.error = "cannot read inode 5";  // always compared
  auto changes = CompareRecord(before, after, after.attributes);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].attribute, "error");
}

TEST(StorageCompare, XattrsAreReportedOneByOneAndSelinuxByName) {
  FileRecord before = File("/a");
  FileRecord after = File("/a");
  before.xattrs["user.x"] = "1";
  after.xattrs["user.y"] = std::string("\x00\x01", 2);
  before.xattrs["security.selinux"] = std::string("system_u:object_r:etc_t:s0\0", 27);
  after.xattrs["security.selinux"] = std::string("system_u:object_r:shadow_t:s0\0", 30);
  auto changes = CompareRecord(before, after, after.attributes);
  ASSERT_EQ(changes.size(), 3U);
  EXPECT_EQ(changes[0].attribute, "selinux");
  EXPECT_EQ(changes[0].old_value, "\"system_u:object_r:etc_t:s0\"");
  EXPECT_EQ(changes[1].attribute, "xattrs[user.x]");
  EXPECT_EQ(changes[1].new_value, "-");
  EXPECT_EQ(changes[2].attribute, "xattrs[user.y]");
  EXPECT_EQ(changes[2].new_value, "0x0001");
  // With only "selinux" selected, other xattrs are ignored.
  EXPECT_EQ(CompareRecord(before, after, Bit(Attribute::kSelinux)).size(), 1U);
}

TEST(StorageReport, TextAndJsonFormats) {
  Report report;
  report.source = "image /x.img";
  report.baseline_created = "2026-01-01T00:00:00Z";
  report.files_checked = 3;
  report.differences.push_back({DifferenceKind::kAdded, "/bin/evil\n", FileType::kRegular, {}});
  report.differences.push_back(
      {DifferenceKind::kChanged, "/etc/shadow", FileType::kRegular, {{"perm", "0600", "0644"}}});
  report.warnings.push_back("rules \"changed\"");
  std::string text = FormatReportText(report);
  EXPECT_NE(text.find("summary: 1 added, 0 removed, 1 changed\n"), std::string::npos) << text;
  EXPECT_NE(text.find("added    file         /bin/evil\\x0a\n"), std::string::npos) << text;
  EXPECT_NE(text.find("changed  file         /etc/shadow\n    perm: 0600 -> 0644\n"),
            std::string::npos)
      << text;
  std::string json = FormatReportJson(report);
  EXPECT_EQ(json,
            "{\"source\":\"image /x.img\",\"baseline_created\":\"2026-01-01T00:00:00Z\","
            "\"files_checked\":3,\"summary\":{\"added\":1,\"removed\":0,\"changed\":1},"
            "\"exit_bits\":5,\"warnings\":[\"rules \\\"changed\\\"\"],\"differences\":[\n"
            "{\"kind\":\"added\",\"type\":\"file\",\"path\":\"/bin/evil\\\\x0a\",\"changes\":[]},\n"
            "{\"kind\":\"changed\",\"type\":\"file\",\"path\":\"/etc/shadow\",\"changes\":["
            "{\"attribute\":\"perm\",\"old\":\"0600\",\"new\":\"0644\"}]}]}\n");
}

TEST(StorageReport, JournalReplayIsReportedOnlyWhenItHappened) {
  Report report;
  report.source = "image /x.img";
  EXPECT_EQ(FormatReportJson(report).find("journal"), std::string::npos);
  EXPECT_EQ(FormatReportText(report).find("journal"), std::string::npos);
  report.journal = JournalStats{true, 3, 17};
  EXPECT_NE(FormatReportJson(report).find(
                ",\"exit_bits\":0,\"journal\":{\"transactions\":3,\"blocks\":17},\"warnings\":["),
            std::string::npos)
      << FormatReportJson(report);
  EXPECT_NE(
      FormatReportText(report).find("\njournal: replayed 3 committed transactions, 17 blocks\n"),
      std::string::npos)
      << FormatReportText(report);
}

TEST(StorageReport, AttributeValues) {
  FileRecord r = File("/d");
  r.type = FileType::kCharDevice;
  r.device_major = 1;
  r.device_minor = 3;
  r.mtime = {1700000000, 5};
  EXPECT_EQ(FormatAttribute(r, Attribute::kDevice), "1:3");
  EXPECT_EQ(FormatAttribute(r, Attribute::kMtime), "1700000000.000000005");
  EXPECT_EQ(FormatAttribute(r, Attribute::kLinkTarget), "-");
  EXPECT_EQ(FormatAttribute(r, Attribute::kSha512), "-");
  EXPECT_EQ(EscapeForDisplay("a\\b\x7f"), "a\\x5cb\\x7f");
}

}  // namespace
}  // namespace virdomm::monitor
