// Baseline serialisation round trip, signature verification, and refusal of every tampering.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/hex.h"
#include "core/digest.h"
#include "core/signing_key.h"
#include "storage/baseline_db.h"

namespace virdomm::monitor {
namespace {

Baseline Sample() {
  Baseline b;
  b.source = "image /srv/web 1.img (gpt partition 2)";
  b.created = "2026-01-01T00:00:00Z";
  b.rules_sha256 = std::string(64, 'a');
  FileRecord dir;
  dir.path = "/";
  dir.type = FileType::kDirectory;
  dir.permissions = 0755;
  FileRecord odd;
  odd.path = std::string("/etc/we\tird, na=me%\n\x01\xff", 21);
  odd.type = FileType::kRegular;
  odd.permissions = 04755;
  odd.inode = 12;
  odd.link_count = 2;
  odd.uid = 1000;
  odd.gid = 4294967294U;
  odd.size = 1ULL << 40;
  odd.mtime = {-5, 999999999};
  odd.ctime = {1700000000, 1};
  odd.xattrs["security.capability"] = std::string("\x01\x00\x00\x02", 4);
  odd.xattrs["user.a,b=c"] = "";
  odd.digests[0] = std::string(32, '\x11');
  odd.digests[2] = std::string(64, '\x22');
  odd.attributes = 0x1ffff;
  odd.error = "cannot read inode 12: bad";
  FileRecord link;
  link.path = "/l";
  link.type = FileType::kSymlink;
  link.link_target = "../x y";
  FileRecord dev;
  dev.path = "/n";
  dev.type = FileType::kBlockDevice;
  dev.device_major = 259;
  dev.device_minor = 1048575;
  b.records = {dir, odd, link, dev};
  return b;
}

void ExpectSame(const FileRecord& a, const FileRecord& b) {
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.permissions, b.permissions);
  EXPECT_EQ(a.inode, b.inode);
  EXPECT_EQ(a.link_count, b.link_count);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.gid, b.gid);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.mtime, b.mtime);
  EXPECT_EQ(a.ctime, b.ctime);
  EXPECT_EQ(a.link_target, b.link_target);
  EXPECT_EQ(a.device_major, b.device_major);
  EXPECT_EQ(a.device_minor, b.device_minor);
  EXPECT_EQ(a.xattrs, b.xattrs);
  EXPECT_EQ(a.digests, b.digests);
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.error, b.error);
}

const std::vector<uint8_t> kKey(32, 'k');

TEST(StorageBaseline, RoundTripKeepsEveryField) {
  Baseline original = Sample();
  std::string bytes = SerializeBaseline(original, kKey);
  Baseline parsed = ParseBaseline(bytes, kKey);
  EXPECT_EQ(parsed.source, original.source);
  EXPECT_EQ(parsed.created, original.created);
  EXPECT_EQ(parsed.rules_sha256, original.rules_sha256);
  ASSERT_EQ(parsed.records.size(), original.records.size());
  for (size_t i = 0; i < parsed.records.size(); ++i)
    ExpectSame(parsed.records[i], original.records[i]);
}

// A baseline written by an earlier build (tests/data/storage/baseline-v1.db, Sample() under
// kKey) still verifies and parses, and the same baseline serialises to the same bytes: the
// format and its MAC never change under an existing deployment.
TEST(StorageBaseline, FileOfAnEarlierBuildVerifiesAndIsReproduced) {
  std::ifstream in(std::string(VIRDOMM_TEST_DATA_DIR) + "/storage/baseline-v1.db",
                   std::ios::binary);
  ASSERT_TRUE(in);
  std::string golden((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(
      golden.ends_with("hmac-sha256 "
                       "0e551e413aebd22198902d4a7664d5e512fa0a707b47a9edf7101e98831cda98\n"));
  Baseline parsed = ParseBaseline(golden, kKey);
  Baseline original = Sample();
  EXPECT_EQ(parsed.source, original.source);
  ASSERT_EQ(parsed.records.size(), original.records.size());
  for (size_t i = 0; i < parsed.records.size(); ++i)
    ExpectSame(parsed.records[i], original.records[i]);
  EXPECT_EQ(SerializeBaseline(original, kKey), golden);
}

TEST(StorageBaseline, EveryFlippedByteIsRefused) {
  std::string bytes = SerializeBaseline(Sample(), kKey);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string copy = bytes;
    copy[i] = static_cast<char>(copy[i] ^ 0x01);
    EXPECT_THROW(ParseBaseline(copy, kKey), BaselineError) << "byte " << i;
  }
}

TEST(StorageBaseline, EveryTruncationIsRefused) {
  std::string bytes = SerializeBaseline(Sample(), kKey);
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_THROW(ParseBaseline(std::string_view(bytes).substr(0, length), kKey), BaselineError)
        << "length " << length;
  }
  EXPECT_THROW(ParseBaseline(bytes + "x", kKey), BaselineError);
  EXPECT_THROW(ParseBaseline(bytes + bytes, kKey), BaselineError);
}

TEST(StorageBaseline, WrongKeyIsRefused) {
  std::string bytes = SerializeBaseline(Sample(), kKey);
  std::vector<uint8_t> other(32, 'K');
  EXPECT_THROW(ParseBaseline(bytes, other), BaselineError);
}

TEST(StorageBaseline, ResignedGarbageIsStillParsedStrictly) {
  // A body signed with the right key but malformed (e.g. written by a buggy tool) is refused.
  std::string body =
      "virdomm-storage-baseline 1\nsource x\ncreated y\nrules-sha256 z\nentries 1\n"
      "F /a\tfile\n"
      "end 1\n";
  HmacSha256 mac(kKey);
  mac.Update(body);
  std::string signed_body = body + "hmac-sha256 " + HexEncode(mac.Finish()) + "\n";
  try {
    ParseBaseline(signed_body, kKey);
    FAIL() << "accepted a malformed entry";
  } catch (const BaselineError& error) {
    EXPECT_NE(std::string(error.what()).find("fields"), std::string::npos) << error.what();
  }
}

TEST(StorageBaseline, FileWriteIsAtomicAndReadable) {
  auto dir = std::filesystem::temp_directory_path() / ("vd-baseline-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "db").string();
  WriteBaselineFile(path, Sample(), kKey);
  Baseline first = ReadBaselineFile(path, kKey);
  EXPECT_EQ(first.records.size(), 4U);
  Baseline smaller = Sample();
  smaller.records.resize(1);
  WriteBaselineFile(path, smaller, kKey);
  EXPECT_EQ(ReadBaselineFile(path, kKey).records.size(), 1U);
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1U);  // no temporary file left behind
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace virdomm::monitor
