// MBR (with extended/logical partitions) and GPT parsing; every count and offset is checked.
#include "storage/partition_table.h"

#include <array>
#include <cstring>
#include <set>

#include "common/hex.h"

namespace virdomm::monitor {
namespace {

constexpr std::uint64_t kSector = 512;
constexpr unsigned kMaxLogicalPartitions = 128;
constexpr std::uint32_t kMaxGptEntries = 4096;

std::uint32_t Le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t Le64(const unsigned char* p) {
  return static_cast<std::uint64_t>(Le32(p)) | static_cast<std::uint64_t>(Le32(p + 4)) << 32;
}

std::uint32_t Crc32(const unsigned char* data, size_t size) {
  std::uint32_t crc = 0xffffffffU;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
  }
  return ~crc;
}

void ReadExact(const ReadAtFn& read, std::uint64_t offset, void* buffer, size_t size,
               const char* what) {
  if (read(offset, buffer, size) != size) {
    throw PartitionError(std::string("cannot read the ") + what + " at byte " +
                         std::to_string(offset) + ": the image ends first");
  }
}

bool IsExtendedType(unsigned char type) { return type == 0x05 || type == 0x0f || type == 0x85; }

// Checks that [first_sector, first_sector+count) lies inside the image and returns it in bytes.
Partition MakePartition(unsigned number, std::uint64_t first_sector, std::uint64_t sectors,
                        std::string type, std::uint64_t image_size) {
  if (sectors == 0 || first_sector > image_size / kSector ||
      sectors > image_size / kSector - first_sector) {
    throw PartitionError("partition " + std::to_string(number) + " (sectors " +
                         std::to_string(first_sector) + "+" + std::to_string(sectors) +
                         ") lies outside the image of " + std::to_string(image_size) + " bytes");
  }
  return Partition{number, first_sector * kSector, sectors * kSector, std::move(type)};
}

std::string FormatGuid(const unsigned char* g) {
  char buffer[40];
  (void)std::snprintf(buffer, sizeof buffer, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
                      Le32(g), static_cast<unsigned>(g[4] | g[5] << 8),
                      static_cast<unsigned>(g[6] | g[7] << 8), g[8], g[9], g[10], g[11], g[12],
                      g[13], g[14], g[15]);
  return buffer;
}

PartitionTable ParseGpt(const ReadAtFn& read, std::uint64_t image_size) {
  std::array<unsigned char, kSector> header{};
  ReadExact(read, kSector, header.data(), header.size(), "GPT header");
  if (std::memcmp(header.data(), "EFI PART", 8) != 0) {
    throw PartitionError("protective MBR found but no GPT header signature at LBA 1");
  }
  std::uint32_t header_size = Le32(&header[12]);
  if (header_size < 92 || header_size > kSector) {
    throw PartitionError("GPT header size " + std::to_string(header_size) + " is invalid");
  }
  std::uint32_t stored_crc = Le32(&header[16]);
  std::array<unsigned char, kSector> copy = header;
  std::memset(&copy[16], 0, 4);
  if (Crc32(copy.data(), header_size) != stored_crc) {
    throw PartitionError("GPT header CRC mismatch (damaged or tampered partition table)");
  }
  std::uint64_t entries_lba = Le64(&header[72]);
  std::uint32_t entry_count = Le32(&header[80]);
  std::uint32_t entry_size = Le32(&header[84]);
  std::uint32_t entries_crc = Le32(&header[88]);
  if (entry_count > kMaxGptEntries || entry_size < 128 || entry_size > 4096 ||
      entry_size % 8 != 0) {
    throw PartitionError("GPT entry array (" + std::to_string(entry_count) + " entries of " +
                         std::to_string(entry_size) + " bytes) is out of bounds");
  }
  std::uint64_t array_bytes = static_cast<std::uint64_t>(entry_count) * entry_size;
  if (entries_lba > image_size / kSector || array_bytes > image_size - entries_lba * kSector) {
    throw PartitionError("GPT entry array lies outside the image");
  }
  std::vector<unsigned char> entries(array_bytes);
  ReadExact(read, entries_lba * kSector, entries.data(), entries.size(), "GPT entry array");
  if (Crc32(entries.data(), entries.size()) != entries_crc) {
    throw PartitionError("GPT entry array CRC mismatch (damaged or tampered partition table)");
  }
  PartitionTable table{PartitionScheme::kGpt, {}};
  static const std::array<unsigned char, 16> kUnused{};
  for (std::uint32_t i = 0; i < entry_count; ++i) {
    const unsigned char* entry = &entries[static_cast<size_t>(i) * entry_size];
    if (std::memcmp(entry, kUnused.data(), 16) == 0) continue;
    std::uint64_t first = Le64(entry + 32);
    std::uint64_t last = Le64(entry + 40);
    if (last < first) {
      throw PartitionError("GPT partition " + std::to_string(i + 1) + " ends before it starts");
    }
    table.partitions.push_back(
        MakePartition(i + 1, first, last - first + 1, FormatGuid(entry), image_size));
  }
  return table;
}

}  // namespace

std::string_view ToString(PartitionScheme scheme) {
  switch (scheme) {
    case PartitionScheme::kNone:
      return "none";
    case PartitionScheme::kMbr:
      return "mbr";
    case PartitionScheme::kGpt:
      return "gpt";
  }
  return "?";
}

PartitionTable ParsePartitionTable(const ReadAtFn& read, std::uint64_t image_size) {
  std::array<unsigned char, kSector> mbr{};
  if (read(0, mbr.data(), mbr.size()) != mbr.size() || mbr[510] != 0x55 || mbr[511] != 0xaa) {
    return {};
  }
  // A boot sector signature alone is not a table: entries must have sane status bytes and
  // at least one non-empty entry, else this is a bare filesystem (or other data) at offset 0.
  bool any = false;
  for (int i = 0; i < 4; ++i) {
    const unsigned char* entry = &mbr[446 + 16 * i];
    if (entry[0] != 0x00 && entry[0] != 0x80) return {};
    if (entry[4] != 0) any = true;
  }
  if (!any) return {};
  for (int i = 0; i < 4; ++i) {
    if (mbr[446 + 16 * i + 4] == 0xee) return ParseGpt(read, image_size);
  }
  PartitionTable table{PartitionScheme::kMbr, {}};
  for (unsigned i = 0; i < 4; ++i) {
    const unsigned char* entry = &mbr[446 + 16 * i];
    unsigned char type = entry[4];
    if (type == 0) continue;
    std::uint64_t first = Le32(entry + 8);
    std::uint64_t count = Le32(entry + 12);
    Partition primary = MakePartition(i + 1, first, count, HexNumber(type, 2), image_size);
    if (!IsExtendedType(type)) {
      table.partitions.push_back(primary);
      continue;
    }
    // Walk the chain of extended boot records; each link is relative to the extended start.
    std::uint64_t extended_start = first;
    std::uint64_t next = 0;
    std::set<std::uint64_t> visited;
    unsigned number = 5;
    while (true) {
      if (number - 5 >= kMaxLogicalPartitions) {
        throw PartitionError("more than 128 logical partitions: refusing the EBR chain");
      }
      std::uint64_t ebr_sector = extended_start + next;
      if (!visited.insert(ebr_sector).second) {
        throw PartitionError("the extended partition chain loops at sector " +
                             std::to_string(ebr_sector));
      }
      if (ebr_sector >= image_size / kSector) {
        throw PartitionError("extended boot record at sector " + std::to_string(ebr_sector) +
                             " lies outside the image");
      }
      std::array<unsigned char, kSector> ebr{};
      ReadExact(read, ebr_sector * kSector, ebr.data(), ebr.size(), "extended boot record");
      if (ebr[510] != 0x55 || ebr[511] != 0xaa) {
        throw PartitionError("extended boot record at sector " + std::to_string(ebr_sector) +
                             " has no 55AA signature");
      }
      const unsigned char* logical = &ebr[446];
      if (logical[4] != 0) {
        table.partitions.push_back(MakePartition(number, ebr_sector + Le32(logical + 8),
                                                 Le32(logical + 12), HexNumber(logical[4], 2),
                                                 image_size));
      }
      ++number;
      const unsigned char* link = &ebr[446 + 16];
      if (link[4] == 0 || Le32(link + 8) == 0) break;
      next = Le32(link + 8);
    }
  }
  return table;
}

bool HasExtSuperblock(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length) {
  if (length < 2048) return false;
  std::array<unsigned char, 2> magic{};
  if (read(offset + 1024 + 56, magic.data(), magic.size()) != magic.size()) return false;
  return magic[0] == 0x53 && magic[1] == 0xef;
}

bool HasBtrfsSuperblock(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length) {
  constexpr std::uint64_t kSuperblock = 64ULL * 1024;
  if (length < kSuperblock + 4096) return false;
  std::array<char, 8> magic{};
  if (read(offset + kSuperblock + 0x40, magic.data(), magic.size()) != magic.size()) return false;
  return std::string_view(magic.data(), magic.size()) == "_BHRfS_M";
}

}  // namespace virdomm::monitor
