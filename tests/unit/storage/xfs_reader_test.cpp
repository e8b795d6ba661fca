// The XFS reader over real filesystems: the volume fuzzer's seeds (made by mkfs.xfs and a loop
// mount, see tests/fuzz/storage/make-volume-corpus.sh), padded to their size in memory. Checks
// every kind of file they hold, then damage: crc mismatches and wild pointers become per-file
// errors or a refused superblock, never a crash.
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "common/unique_handle.h"
#include "storage/multi_digest.h"
#include "storage/rules.h"
#include "storage/storage_scan.h"
#include "storage/xfs_bmap.h"
#include "storage/xfs_volume.h"
#include "storage/xfs_xattr.h"

namespace virdomm::monitor {
namespace {

constexpr off_t kImageBytes = 32 << 20;

std::string Seed(const std::string& name) {
  std::ifstream in(std::string(VIRDOMM_STORAGE_FUZZ_DIR) + "/volume-corpus/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Scans `bytes` (zero-padded to 32 MiB) as an image; the records by path.
struct Scan {
  std::map<std::string, FileRecord> files;
  std::string source;
  std::vector<std::string> warnings;
};

Scan ScanBytes(const std::string& bytes) {
  UniqueFd fd(memfd_create("xfs-test", MFD_CLOEXEC));
  EXPECT_TRUE(fd.Valid());
  EXPECT_EQ(write(fd.Get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  EXPECT_EQ(ftruncate(fd.Get(), kImageBytes), 0);
  SourceSpec spec;
  spec.image = "/proc/self/fd/" + std::to_string(fd.Get());
  ScanOptions options;
  ScanOutput output = ScanSource(spec, RuleSet::Parse("/ R\n", "test"), options);
  Scan scan;
  for (FileRecord& record : output.records) scan.files[record.path] = std::move(record);
  scan.source = output.source;
  scan.warnings = output.warnings;
  return scan;
}

std::string Sha256(const std::string& data) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

void ExpectCommonTree(const Scan& scan, bool v5) {
  ASSERT_TRUE(scan.files.count("/d/f")) << "no /d/f";
  const FileRecord& f = scan.files.at("/d/f");
  EXPECT_EQ(f.type, FileType::kRegular);
  EXPECT_EQ(f.size, 3U);
  EXPECT_EQ(f.error, "");
  EXPECT_EQ(f.digests[0], Sha256("hi\n"));
  EXPECT_EQ(scan.files.at("/d/s").link_target, "/x");
  const FileRecord& device = scan.files.at("/d/c");
  EXPECT_EQ(device.type, FileType::kCharDevice);
  EXPECT_EQ(device.device_major, 4U);
  EXPECT_EQ(device.device_minor, 5U);
  size_t in_e = 0;
  std::string prefix = v5 ? "/e/a-file-with-a-longer-name-" : "/d/a-file-with-a-longer-name-";
  for (const auto& [path, record] : scan.files) {
    if (path.rfind(prefix, 0) == 0) ++in_e;
  }
  EXPECT_EQ(in_e, 80U);  // a leaf directory (more than one directory block)
}

TEST(XfsReader, Version5WithEveryKindOfFile) {
  for (auto [seed, block] : {std::pair{"xfs-v5-1k.img", 1024}, {"xfs-v5-4k-nrext64.img", 4096}}) {
    SCOPED_TRACE(seed);
    Scan scan = ScanBytes(Seed(seed));
    EXPECT_EQ(scan.source.substr(scan.source.size() - 6), " (xfs)");
    ExpectCommonTree(scan, true);
    const FileRecord& f = scan.files.at("/d/f");
    EXPECT_EQ(f.xattrs.at("user.a"), "b");
    EXPECT_TRUE(f.xattrs.count("system.posix_acl_access"));
    EXPECT_TRUE(f.xattrs.count("trusted.SGI_ACL_FILE"));
    EXPECT_EQ(f.link_count, 2U);
    EXPECT_EQ(scan.files.at("/d/f-link").inode, f.inode);
    EXPECT_EQ(scan.files.at("/d/long").link_target, std::string(600, 'y'));  // remote symlink
    const FileRecord& dir = scan.files.at("/d");
    EXPECT_EQ(dir.xattrs.size(), 30U);  // leaf-form attribute fork
    EXPECT_EQ(dir.xattrs.at("user.x7"), "v" + std::string(56, '0') + "0007");
    EXPECT_EQ(scan.files.at("/d/big-xattr").xattrs.at("user.big"),
              std::string(3000, 'z'));  // remote
    // 24 one-byte writes every other block: a bmap btree with holes between the extents.
    const FileRecord& frag = scan.files.at("/d/frag");
    EXPECT_EQ(frag.error, "");
    std::string contents(static_cast<size_t>(46 * block + 1), '\0');
    for (size_t i = 0; i < 24; ++i) contents[i * 2 * block] = '\xcd';  // xfs_io's pattern byte
    EXPECT_EQ(frag.size, contents.size());
    EXPECT_EQ(frag.digests[0], Sha256(contents));
    // The external log cannot be checked, and the report says so.
    ASSERT_EQ(scan.warnings.size(), 1U);
    EXPECT_NE(scan.warnings[0].find("external device"), std::string::npos);
  }
}

TEST(XfsReader, Version4FromAPrototypeFile) {
  Scan scan = ScanBytes(Seed("xfs-v4-1k.img"));
  ExpectCommonTree(scan, false);
  EXPECT_EQ(scan.files.at("/d/a-file-with-a-longer-name-9").uid, 1U);
  EXPECT_EQ(scan.files.at("/d/a-file-with-a-longer-name-9").gid, 2U);
}

TEST(XfsReader, LogicalVolumeOfAPhysicalVolume) {
  Scan scan = ScanBytes(Seed("lvm-pv-xfs.img"));
  EXPECT_NE(scan.source.find("LV vdfuzz/root, xfs"), std::string::npos) << scan.source;
  ExpectCommonTree(scan, true);
}

TEST(XfsReader, DamagedSuperblockIsRefused) {
  std::string bytes = Seed("xfs-v5-1k.img");
  bytes[100] ^= 0x40;  // version field, under the crc
  EXPECT_THROW(ScanBytes(bytes), Error);
}

// Every byte of the first 64 KiB flipped, one at a time in steps: the scan ends in records,
// per-file errors or a refused source, never in a crash (ASan builds catch the rest).
TEST(XfsReader, FlippedMetadataBytesNeverCrash) {
  std::string original = Seed("xfs-v5-1k.img");
  size_t errors = 0;
  for (size_t at = 0; at < 65536; at += 97) {
    std::string bytes = original;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
    try {
      Scan scan = ScanBytes(bytes);
      for (const auto& [path, record] : scan.files) errors += record.error.empty() ? 0 : 1;
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0U);  // crcs catch flips in metadata blocks
}

TEST(XfsFormat, ExtentRecordAndAcl) {
  // startoff 5, startblock 0x123456, blockcount 7, unwritten.
  std::uint64_t l0 = (1ULL << 63) | (5ULL << 9) | (0x123456ULL >> 43);
  std::uint64_t l1 = ((0x123456ULL & ((1ULL << 43) - 1)) << 21) | 7;
  std::uint8_t record[16];
  for (int i = 0; i < 8; ++i) {
    record[i] = static_cast<std::uint8_t>(l0 >> (56 - 8 * i));
    record[8 + i] = static_cast<std::uint8_t>(l1 >> (56 - 8 * i));
  }
  XfsExtent extent = DecodeXfsExtent(record);
  EXPECT_TRUE(extent.unwritten);
  EXPECT_EQ(extent.logical, 5U);
  EXPECT_EQ(extent.block, 0x123456U);
  EXPECT_EQ(extent.count, 7U);
  // One ACL_USER entry (tag 2, id 1000, rw) and one ACL_USER_OBJ (tag 1, rwx).
  std::string xfs(
      "\0\0\0\2"
      "\0\0\0\2\0\0\x03\xe8\0\6\0\0"
      "\0\0\0\1\xff\xff\xff\xff\0\7\0\0",
      28);
  std::string linux_acl(
      "\2\0\0\0"
      "\2\0\6\0\xe8\x03\0\0"
      "\1\0\7\0\xff\xff\xff\xff",
      20);
  EXPECT_EQ(XfsAclToLinuxXattr(xfs), linux_acl);
  EXPECT_EQ(XfsAclToLinuxXattr(xfs.substr(0, 27)), "");
}

}  // namespace
}  // namespace virdomm::monitor
