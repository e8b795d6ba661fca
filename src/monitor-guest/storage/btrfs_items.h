// Payloads of the FS-tree and root-tree items the walk reads: inode, directory entry, xattr,
// inode back-reference, file extent and root items. Each parser checks lengths and throws
// ItemError for a malformed item, which the walk turns into an error on that one file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "storage/btrfs_format.h"
#include "storage/file_record.h"

namespace virdomm::monitor::btrfs {

class ItemError : public Error {
 public:
  using Error::Error;
};

struct InodeItem {
  std::uint64_t size = 0;
  std::uint32_t nlink = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t mode = 0;
  std::uint64_t rdev = 0;  // the kernel's dev_t: major << 20 | minor
  std::uint64_t flags = 0;
  Timestamp ctime;
  Timestamp mtime;
};
InodeItem ParseInodeItem(Bytes data);

// One DIR_ITEM, DIR_INDEX or XATTR_ITEM entry. A DIR_ITEM or XATTR_ITEM item may pack several
// (names whose hashes collide); a DIR_INDEX holds exactly one.
struct DirEntry {
  Key location;       // (inode, INODE_ITEM, 0), or (subvolume id, ROOT_ITEM, ...) for a subvolume
  std::uint8_t type;  // BTRFS_FT_*
  std::string name;
  std::string data;  // an xattr's value
};
std::vector<DirEntry> ParseDirEntries(Bytes data, size_t max_entries);

// INODE_REF (parent in the key) and INODE_EXTREF (parent in the payload) entries.
struct InodeRef {
  std::uint64_t parent = 0;
  std::uint64_t index = 0;
  std::string name;
};
std::vector<InodeRef> ParseInodeRefs(Bytes data, std::uint64_t parent_from_key);
std::vector<InodeRef> ParseInodeExtrefs(Bytes data);

struct FileExtent {
  std::uint8_t type = 0;  // extent::kTypeInline, kTypeRegular, kTypePrealloc
  std::uint8_t compression = 0;
  std::uint64_t ram_bytes = 0;  // decoded size of the whole (inline or on-disk) extent
  // Regular and prealloc extents: the on-disk extent, and the part of its decoded bytes that
  // the file uses. disk_bytenr 0 is a hole.
  std::uint64_t disk_bytenr = 0;
  std::uint64_t disk_num_bytes = 0;
  std::uint64_t offset = 0;
  std::uint64_t num_bytes = 0;
  // Inline extents: the data's position and length inside the item payload.
  std::uint32_t inline_offset = 0;
  std::uint32_t inline_length = 0;
};
FileExtent ParseFileExtent(Bytes data);

struct RootItem {
  std::uint64_t bytenr = 0;
  std::uint8_t level = 0;
  std::uint64_t root_dirid = 0;
};
RootItem ParseRootItem(Bytes data);

// ROOT_REF (key: parent subvolume, ROOT_REF, child subvolume): where the child is linked.
struct RootRef {
  std::uint64_t dirid = 0;  // directory inode in the parent subvolume
  std::string name;
};
RootRef ParseRootRef(Bytes data);

// Directory entry types (BTRFS_FT_*).
inline constexpr std::uint8_t kFtDir = 2;

}  // namespace virdomm::monitor::btrfs
