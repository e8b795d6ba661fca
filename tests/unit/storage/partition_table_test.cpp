// MBR/GPT parsing from in-memory disks: valid tables, extended chains, and broken or hostile
// tables that must be refused with a clear error.
#include <gtest/gtest.h>

#include <cstring>

#include "storage/partition_table.h"

namespace virdomm::monitor {
namespace {

constexpr std::uint64_t kSector = 512;

struct Disk {
  std::vector<unsigned char> bytes;
  explicit Disk(std::uint64_t sectors) : bytes(sectors * kSector) {}
  ReadAtFn Reader() const {
    return [this](std::uint64_t offset, void* out, size_t size) -> size_t {
      if (offset >= bytes.size()) return 0;
      size = std::min<size_t>(size, bytes.size() - offset);
      std::memcpy(out, bytes.data() + offset, size);
      return size;
    };
  }
  void Put32(std::uint64_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<unsigned char>(v >> (8 * i));
  }
  void Put64(std::uint64_t at, std::uint64_t v) {
    Put32(at, static_cast<std::uint32_t>(v));
    Put32(at + 4, static_cast<std::uint32_t>(v >> 32));
  }
  void MbrEntry(std::uint64_t sector, int slot, unsigned char type, std::uint32_t first,
                std::uint32_t count) {
    std::uint64_t at = sector * kSector + 446 + 16 * slot;
    bytes[at + 4] = type;
    Put32(at + 8, first);
    Put32(at + 12, count);
    bytes[sector * kSector + 510] = 0x55;
    bytes[sector * kSector + 511] = 0xaa;
  }
  PartitionTable Parse() const { return ParsePartitionTable(Reader(), bytes.size()); }
};

std::uint32_t Crc32(const unsigned char* data, size_t size) {
  std::uint32_t crc = 0xffffffffU;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
  }
  return ~crc;
}

// A GPT with `count` 128-byte entries at LBA 2 (protective MBR, header CRCs filled in).
Disk MakeGpt(std::uint64_t sectors, std::uint32_t count,
             const std::vector<std::pair<std::uint64_t, std::uint64_t>>& parts) {
  Disk disk(sectors);
  disk.MbrEntry(0, 0, 0xee, 1, static_cast<std::uint32_t>(sectors - 1));
  std::uint64_t h = kSector;
  std::memcpy(&disk.bytes[h], "EFI PART", 8);
  disk.Put32(h + 8, 0x00010000);
  disk.Put32(h + 12, 92);
  disk.Put64(h + 72, 2);
  disk.Put32(h + 80, count);
  disk.Put32(h + 84, 128);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::uint64_t e = 2 * kSector + i * 128;
    disk.bytes[e] = 0xaf;  // any non-zero type GUID
    disk.bytes[e + 1] = 0x3d;
    disk.Put64(e + 32, parts[i].first);
    disk.Put64(e + 40, parts[i].second);
  }
  disk.Put32(h + 88, Crc32(&disk.bytes[2 * kSector], static_cast<size_t>(count) * 128));
  disk.Put32(h + 16, Crc32(&disk.bytes[h], 92));
  return disk;
}

TEST(StoragePartitionTable, NoTableOnZerosOrBareFilesystem) {
  Disk zeros(64);
  EXPECT_EQ(zeros.Parse().scheme, PartitionScheme::kNone);
  Disk ext(64);
  ext.bytes[1024 + 56] = 0x53;
  ext.bytes[1024 + 57] = 0xef;
  EXPECT_EQ(ext.Parse().scheme, PartitionScheme::kNone);
  EXPECT_TRUE(HasExtSuperblock(ext.Reader(), 0, ext.bytes.size()));
  EXPECT_FALSE(HasExtSuperblock(zeros.Reader(), 0, zeros.bytes.size()));
  EXPECT_FALSE(HasExtSuperblock(ext.Reader(), 0, 1000));  // too small to hold it
}

TEST(StoragePartitionTable, MbrPrimaryPartitions) {
  Disk disk(4096);
  disk.MbrEntry(0, 0, 0x83, 2048, 1024);
  disk.MbrEntry(0, 2, 0x82, 3072, 1024);
  PartitionTable table = disk.Parse();
  EXPECT_EQ(table.scheme, PartitionScheme::kMbr);
  ASSERT_EQ(table.partitions.size(), 2U);
  EXPECT_EQ(table.partitions[0].number, 1U);
  EXPECT_EQ(table.partitions[0].offset, 2048 * kSector);
  EXPECT_EQ(table.partitions[0].length, 1024 * kSector);
  EXPECT_EQ(table.partitions[0].type, "0x83");
  EXPECT_EQ(table.partitions[1].number, 3U);
}

TEST(StoragePartitionTable, MbrPartitionPastTheEndIsRefused) {
  Disk disk(4096);
  disk.MbrEntry(0, 0, 0x83, 2048, 4096);
  EXPECT_THROW(disk.Parse(), PartitionError);
  Disk huge(4096);
  huge.MbrEntry(0, 0, 0x83, 0xffffffffU, 0xffffffffU);
  EXPECT_THROW(huge.Parse(), PartitionError);
}

TEST(StoragePartitionTable, MbrExtendedChainAndLoop) {
  Disk disk(8192);
  disk.MbrEntry(0, 0, 0x05, 1000, 7000);
  disk.MbrEntry(1000, 0, 0x83, 100, 500);  // logical 5 at 1100
  disk.MbrEntry(1000, 1, 0x05, 2000, 3000);
  disk.MbrEntry(3000, 0, 0x83, 50, 400);  // logical 6 at 3050
  PartitionTable table = disk.Parse();
  ASSERT_EQ(table.partitions.size(), 2U);
  EXPECT_EQ(table.partitions[0].number, 5U);
  EXPECT_EQ(table.partitions[0].offset, 1100 * kSector);
  EXPECT_EQ(table.partitions[1].number, 6U);
  EXPECT_EQ(table.partitions[1].offset, 3050 * kSector);
  disk.MbrEntry(3000, 1, 0x05, 2000, 10);  // the second EBR links to itself
  try {
    disk.Parse();
    FAIL();
  } catch (const PartitionError& error) {
    EXPECT_NE(std::string(error.what()).find("loops"), std::string::npos) << error.what();
  }
}

TEST(StoragePartitionTable, Gpt) {
  Disk disk = MakeGpt(8192, 128, {{2048, 4095}, {4096, 8000}});
  PartitionTable table = disk.Parse();
  EXPECT_EQ(table.scheme, PartitionScheme::kGpt);
  ASSERT_EQ(table.partitions.size(), 2U);
  EXPECT_EQ(table.partitions[0].offset, 2048 * kSector);
  EXPECT_EQ(table.partitions[0].length, 2048 * kSector);
  EXPECT_EQ(table.partitions[1].number, 2U);
  EXPECT_EQ(table.partitions[0].type.size(), 36U);
}

TEST(StoragePartitionTable, GptDamageIsRefused) {
  Disk header = MakeGpt(8192, 128, {{2048, 4095}});
  header.bytes[kSector + 40] ^= 1;
  EXPECT_THROW(header.Parse(), PartitionError);
  Disk entries = MakeGpt(8192, 128, {{2048, 4095}});
  entries.bytes[2 * kSector + 33] ^= 1;
  EXPECT_THROW(entries.Parse(), PartitionError);
  Disk outside = MakeGpt(8192, 128, {{2048, 9000}});
  EXPECT_THROW(outside.Parse(), PartitionError);
  Disk backwards = MakeGpt(8192, 128, {{4000, 3000}});
  EXPECT_THROW(backwards.Parse(), PartitionError);
  Disk too_many = MakeGpt(8192, 128, {});
  too_many.Put32(kSector + 80, 1U << 30);
  too_many.Put32(kSector + 16, 0);
  too_many.Put32(kSector + 16, Crc32(&too_many.bytes[kSector], 92));
  EXPECT_THROW(too_many.Parse(), PartitionError);
  Disk no_header(8192);
  no_header.MbrEntry(0, 0, 0xee, 1, 8191);
  EXPECT_THROW(no_header.Parse(), PartitionError);
}

}  // namespace
}  // namespace virdomm::monitor
