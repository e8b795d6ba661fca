// MBR and GPT partition tables of a raw disk image, parsed from untrusted bytes with strict bounds.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"

namespace virdomm::monitor {

class PartitionError : public Error {
 public:
  using Error::Error;
};

// Reads up to `size` bytes at `offset` into `buffer`; returns the bytes read (short at the end).
using ReadAtFn = std::function<size_t(std::uint64_t offset, void* buffer, size_t size)>;

enum class PartitionScheme { kNone, kMbr, kGpt };
std::string_view ToString(PartitionScheme scheme);

struct Partition {
  unsigned number = 0;       // 1-based as Linux names them (sda1; MBR logical ones from 5)
  std::uint64_t offset = 0;  // bytes from the start of the image
  std::uint64_t length = 0;  // bytes
  std::string type;          // MBR type byte "0x83" or GPT type GUID
};

struct PartitionTable {
  PartitionScheme scheme = PartitionScheme::kNone;
  std::vector<Partition> partitions;
};

// No table (a bare filesystem image) gives scheme kNone and no partitions. A table that is
// present but broken (bad CRC, entries past the end of the image) throws PartitionError.
PartitionTable ParsePartitionTable(const ReadAtFn& read, std::uint64_t image_size);

// Whether an ext2/3/4 superblock magic sits at the usual place in [offset, offset+length).
bool HasExtSuperblock(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length);
// Whether a btrfs superblock magic sits at 64 KiB into [offset, offset+length).
bool HasBtrfsSuperblock(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length);

}  // namespace virdomm::monitor
