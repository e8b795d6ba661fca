// What a file source (an ext image or a directory tree) hands to the content hasher.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/file_record.h"

namespace virdomm::monitor {

// Bounds that keep a hostile image from hanging the checker or exhausting its memory.
struct ScanLimits {
  unsigned max_depth = 1024;                  // directory nesting
  size_t max_path_bytes = 65536;              // length of one guest path
  std::uint64_t max_files = 20'000'000;       // entries in one scan
  std::uint64_t max_dir_entries = 4'000'000;  // slots in one directory (incl. empty ones)
  size_t max_xattr_bytes = 1 << 20;           // names + values of one file
  size_t max_xattr_count = 4096;              // xattrs of one file
  size_t max_symlink_bytes = 4096;            // PATH_MAX
  std::uint64_t max_file_size = 1ULL << 40;   // larger files are recorded but not hashed
};

// A byte range of a file's contents in the image: file bytes [logical, logical+length) are at
// image byte `physical`. Ranges not covered by any segment (holes) read as zeros.
struct Segment {
  std::uint64_t logical = 0;
  std::uint64_t physical = 0;
  std::uint64_t length = 0;
};

// A compressed piece of a file's contents (btrfs): `encoded_length` bytes at image byte
// `physical` decode (method `compression`, framed per `sector_size` for LZO) to at most
// `decoded_length` bytes, of which [skip, skip+length) are file bytes [logical, logical+length).
// The hasher decodes it; decoded bytes missing at the end read as zeros.
struct CompressedSegment {
  std::uint64_t logical = 0;
  std::uint64_t physical = 0;
  std::uint32_t encoded_length = 0;
  std::uint32_t decoded_length = 0;
  std::uint32_t skip = 0;
  std::uint32_t length = 0;
  std::uint8_t compression = 0;
  std::uint32_t sector_size = 4096;
};

// The contents of one inode to hash; every record in `records` (hard links) gets the digests.
struct ContentJob {
  std::vector<size_t> records;
  AttributeSet digests = 0;  // which digest attributes to compute
  std::uint64_t size = 0;
  std::vector<Segment> segments;  // image source: sorted by logical offset, non-overlapping
  // image source: compressed pieces, sorted by logical offset, overlapping no segment
  std::vector<CompressedSegment> compressed;
  bool is_inline = false;  // image source: contents stored in the inode itself
  std::string inline_data;
  std::string tree_path;        // tree source: host path of the file
  std::uint64_t order_key = 0;  // reading order: first physical byte, or inode number
};

// What the in-memory journal replay applied, summed over the volumes that needed it.
struct JournalStats {
  bool replayed = false;  // some volume's journal needed recovery and was replayed
  std::uint64_t transactions = 0;
  std::uint64_t blocks = 0;  // distinct filesystem blocks taken from the journal
};

struct ScanResult {
  std::vector<FileRecord> records;
  std::vector<ContentJob> jobs;
  std::vector<std::string> warnings;  // about the source as a whole (e.g. unclean journal)
  JournalStats journal;
};

}  // namespace virdomm::monitor
