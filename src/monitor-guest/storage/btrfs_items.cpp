// Item payload parsers; all offsets from btrfs_format.h, all lengths checked before use.
#include "storage/btrfs_items.h"

#include <algorithm>

namespace virdomm::monitor::btrfs {
namespace {

Timestamp ReadTime(Bytes b, size_t at) {
  Timestamp time;
  time.seconds = static_cast<std::int64_t>(Le64(b, at));
  time.nanoseconds = std::min<std::uint32_t>(Le32(b, at + 8), 999'999'999U);
  return time;
}

std::string Text(Bytes b, size_t at, size_t length) {
  return std::string(reinterpret_cast<const char*>(b.data() + at), length);
}

}  // namespace

InodeItem ParseInodeItem(Bytes data) {
  if (data.size() < inode::kBytes) {
    throw ItemError("inode item of " + std::to_string(data.size()) + " bytes, expected " +
                    std::to_string(inode::kBytes));
  }
  InodeItem item;
  item.size = Le64(data, inode::kSize);
  item.nlink = Le32(data, inode::kNlink);
  item.uid = Le32(data, inode::kUid);
  item.gid = Le32(data, inode::kGid);
  item.mode = Le32(data, inode::kMode);
  item.rdev = Le64(data, inode::kRdev);
  item.flags = Le64(data, inode::kFlags);
  item.ctime = ReadTime(data, inode::kCtime);
  item.mtime = ReadTime(data, inode::kMtime);
  return item;
}

std::vector<DirEntry> ParseDirEntries(Bytes data, size_t max_entries) {
  std::vector<DirEntry> entries;
  size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < dir::kBytes) throw ItemError("directory entry item truncated");
    if (entries.size() >= max_entries) throw ItemError("too many entries in one item");
    std::uint16_t data_len = Le16(data, at + dir::kDataLen);
    std::uint16_t name_len = Le16(data, at + dir::kNameLen);
    size_t body = at + dir::kBytes;
    if (name_len == 0 || name_len + static_cast<size_t>(data_len) > data.size() - body) {
      throw ItemError("directory entry name or data runs past its item");
    }
    DirEntry entry;
    entry.location = ReadKey(data, at + dir::kLocation);
    entry.type = data[at + dir::kType];
    entry.name = Text(data, body, name_len);
    entry.data = Text(data, body + name_len, data_len);
    entries.push_back(std::move(entry));
    at = body + name_len + data_len;
  }
  return entries;
}

std::vector<InodeRef> ParseInodeRefs(Bytes data, std::uint64_t parent_from_key) {
  std::vector<InodeRef> refs;
  size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < 10) throw ItemError("inode ref truncated");
    std::uint16_t name_len = Le16(data, at + 8);
    if (name_len > data.size() - at - 10) throw ItemError("inode ref name runs past its item");
    refs.push_back(InodeRef{parent_from_key, Le64(data, at), Text(data, at + 10, name_len)});
    at += 10 + name_len;
  }
  return refs;
}

std::vector<InodeRef> ParseInodeExtrefs(Bytes data) {
  std::vector<InodeRef> refs;
  size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < 18) throw ItemError("inode extref truncated");
    std::uint16_t name_len = Le16(data, at + 16);
    if (name_len > data.size() - at - 18) throw ItemError("inode extref name runs past its item");
    refs.push_back(InodeRef{Le64(data, at), Le64(data, at + 8), Text(data, at + 18, name_len)});
    at += 18 + name_len;
  }
  return refs;
}

FileExtent ParseFileExtent(Bytes data) {
  if (data.size() < extent::kInlineData) throw ItemError("file extent item truncated");
  FileExtent item;
  item.type = data[extent::kType];
  item.compression = data[extent::kCompression];
  item.ram_bytes = Le64(data, extent::kRamBytes);
  if (data[extent::kEncryption] != 0 || Le16(data, extent::kOtherEncoding) != 0) {
    throw ItemError("encrypted or otherwise encoded file extent");
  }
  if (item.type == extent::kTypeInline) {
    item.inline_offset = extent::kInlineData;
    item.inline_length = static_cast<std::uint32_t>(data.size() - extent::kInlineData);
    return item;
  }
  if (item.type != extent::kTypeRegular && item.type != extent::kTypePrealloc) {
    throw ItemError("file extent of unknown type " + std::to_string(item.type));
  }
  if (data.size() < extent::kRegularBytes) throw ItemError("file extent item truncated");
  item.disk_bytenr = Le64(data, extent::kDiskBytenr);
  item.disk_num_bytes = Le64(data, extent::kDiskNumBytes);
  item.offset = Le64(data, extent::kOffset);
  item.num_bytes = Le64(data, extent::kNumBytes);
  return item;
}

RootItem ParseRootItem(Bytes data) {
  if (data.size() < root::kMinBytes) throw ItemError("root item truncated");
  return RootItem{Le64(data, root::kBytenr), data[root::kLevel], Le64(data, root::kRootDirid)};
}

RootRef ParseRootRef(Bytes data) {
  if (data.size() < 18) throw ItemError("root ref truncated");
  std::uint16_t name_len = Le16(data, 16);
  if (name_len > data.size() - 18) throw ItemError("root ref name runs past its item");
  return RootRef{Le64(data, 0), Text(data, 18, name_len)};
}

}  // namespace virdomm::monitor::btrfs
