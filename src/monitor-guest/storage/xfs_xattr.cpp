// XFS attribute fork parsing: shortform entries, the da-btree down to the first leaf, then the
// leaf chain; every offset checked against its block and every value bounded by the limits.
#include "storage/xfs_xattr.h"

#include <set>

#include "storage/big_endian.h"
#include "storage/xfs_format.h"
#include "storage/xfs_remote.h"

namespace virdomm::monitor {
namespace {

constexpr unsigned kMaxDaLevels = 8;
constexpr std::uint32_t kAclUser = 0x02;
constexpr std::uint32_t kAclGroup = 0x08;
constexpr size_t kXfsAclEntryBytes = 12;  // tag, id (be32 each), perm (be16), pad
constexpr std::uint32_t kLinuxAclVersion = 2;

void PutLe(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xffU));
}

class XattrCollector {
 public:
  explicit XattrCollector(const XattrLimits& limits) : limits_(limits) {}

  void Add(std::uint8_t flags, std::string_view name, std::string value) {
    if ((flags & (xfs::kAttrIncomplete | xfs::kAttrParent)) != 0) return;
    std::string full;
    if ((flags & xfs::kAttrRoot) != 0) {
      full = "trusted.";
      std::string system;
      if (name == xfs::kAclAccessName) system = "system.posix_acl_access";
      if (name == xfs::kAclDefaultName) system = "system.posix_acl_default";
      if (!system.empty()) {
        std::string converted = XfsAclToLinuxXattr(value);
        if (!converted.empty()) Store(system, std::move(converted));
      }
    } else if ((flags & xfs::kAttrSecure) != 0) {
      full = "security.";
    } else {
      full = "user.";
    }
    full.append(name);
    Store(full, std::move(value));
  }

  [[nodiscard]] size_t RemainingBytes() const { return limits_.max_bytes - bytes_; }
  std::map<std::string, std::string> Take() { return std::move(xattrs_); }

 private:
  void Store(const std::string& name, std::string value) {
    bytes_ += name.size() + value.size();
    if (bytes_ > limits_.max_bytes || xattrs_.size() >= limits_.max_count) {
      throw XfsFileError("xattrs exceed " + std::to_string(limits_.max_bytes) + " bytes or " +
                         std::to_string(limits_.max_count) + " entries");
    }
    xattrs_[name] = std::move(value);
  }

  const XattrLimits& limits_;
  size_t bytes_ = 0;
  std::map<std::string, std::string> xattrs_;
};

void ReadShortform(const XfsInode& inode, XattrCollector& out) {
  const std::vector<std::uint8_t>& fork = inode.attr.bytes;
  auto fail = [&](const char* why) {
    return XfsFileError("inode " + std::to_string(inode.number) + ": shortform xattrs " + why);
  };
  if (fork.size() < 4) throw fail("too small");
  size_t total = std::min<size_t>(LoadBe16(fork.data()), fork.size());
  size_t count = fork[2];
  size_t at = 4;
  for (size_t i = 0; i < count; ++i) {
    if (at + 3 > total) throw fail("run past the fork");
    size_t name_length = fork[at];
    size_t value_length = fork[at + 1];
    std::uint8_t flags = fork[at + 2];
    if (at + 3 + name_length + value_length > total) throw fail("run past the fork");
    const char* name = reinterpret_cast<const char*>(fork.data() + at + 3);
    out.Add(flags, std::string_view(name, name_length),
            std::string(name + name_length, value_length));
    at += 3 + name_length + value_length;
  }
}

class AttrBlockReader {
 public:
  AttrBlockReader(const XfsVolume& volume, const XfsInode& inode,
                  const std::vector<XfsExtent>& extents, XfsStepBudget& budget)
      : volume_(volume), inode_(inode), extents_(extents), budget_(budget) {}

  // Reads fork block `block` and checks its da-blkinfo (magic, and crc and owner on v5).
  std::vector<std::uint8_t> Read(std::uint64_t block, std::uint16_t& magic) {
    budget_.Charge(1);
    std::uint64_t size = volume_.Geometry().block_size;
    std::vector<std::uint8_t> bytes =
        ReadXfsForkBytes(volume_, extents_, block * size, static_cast<size_t>(size));
    magic = LoadBe16(bytes.data() + xfs::kDaInfoMagic);
    if (volume_.HasCrc()) {
      if (magic != xfs::kAttrLeafMagicV5 && magic != xfs::kDaNodeMagicV5) {
        throw Fail(block, "bad magic");
      }
      if (!XfsCrcMatches(bytes.data(), bytes.size(), xfs::kDa3InfoCrc)) {
        throw Fail(block, "crc mismatch");
      }
      if (LoadBe64(bytes.data() + xfs::kDa3InfoOwner) != inode_.number) {
        throw Fail(block, "belongs to another inode");
      }
    } else if (magic != xfs::kAttrLeafMagicV4 && magic != xfs::kDaNodeMagicV4) {
      throw Fail(block, "bad magic");
    }
    return bytes;
  }

  [[nodiscard]] XfsFileError Fail(std::uint64_t block, const std::string& why) const {
    return XfsFileError("inode " + std::to_string(inode_.number) + ": xattr block " +
                        std::to_string(block) + ": " + why);
  }

 private:
  const XfsVolume& volume_;
  const XfsInode& inode_;
  const std::vector<XfsExtent>& extents_;
  XfsStepBudget& budget_;
};

void ReadLeaf(const XfsVolume& volume, const XfsInode& inode, const std::vector<XfsExtent>& extents,
              const AttrBlockReader& reader, std::uint64_t block_number,
              const std::vector<std::uint8_t>& block, XattrCollector& out) {
  bool v5 = volume.HasCrc();
  size_t header = v5 ? xfs::kAttrLeafHeaderV5 : xfs::kAttrLeafHeaderV4;
  size_t count = LoadBe16(block.data() + (v5 ? xfs::kAttrLeafCountV5 : xfs::kAttrLeafCountV4));
  size_t size = block.size();
  if (header + count * xfs::kAttrLeafEntryBytes > size) {
    throw reader.Fail(block_number, "entry count exceeds the block");
  }
  for (size_t i = 0; i < count; ++i) {
    const std::uint8_t* entry = block.data() + header + i * xfs::kAttrLeafEntryBytes;
    size_t name_index = LoadBe16(entry + 4);
    std::uint8_t flags = entry[6];
    if (name_index >= size) throw reader.Fail(block_number, "name offset outside the block");
    const std::uint8_t* p = block.data() + name_index;
    size_t room = size - name_index;
    if ((flags & xfs::kAttrLocal) != 0) {
      if (room < 3) throw reader.Fail(block_number, "entry runs past the block");
      size_t value_length = LoadBe16(p);
      size_t name_length = p[2];
      if (3 + name_length + value_length > room) {
        throw reader.Fail(block_number, "entry runs past the block");
      }
      const char* name = reinterpret_cast<const char*>(p + 3);
      out.Add(flags, std::string_view(name, name_length),
              std::string(name + name_length, value_length));
    } else {
      if (room < 9) throw reader.Fail(block_number, "entry runs past the block");
      std::uint32_t value_block = LoadBe32(p);
      size_t value_length = LoadBe32(p + 4);
      size_t name_length = p[8];
      if (9 + name_length > room) throw reader.Fail(block_number, "entry runs past the block");
      std::string name(reinterpret_cast<const char*>(p + 9), name_length);
      if ((flags & (xfs::kAttrIncomplete | xfs::kAttrParent)) != 0) continue;
      if (value_length > out.RemainingBytes()) {
        throw XfsFileError("inode " + std::to_string(inode.number) + ": xattr value of " +
                           std::to_string(value_length) + " bytes exceeds the limit");
      }
      out.Add(flags, name,
              ReadXfsRemoteValue(volume, extents, value_block, value_length, xfs::kAttrRemoteMagic,
                                 inode.number));
    }
  }
}

void ReadBlocks(const XfsVolume& volume, const XfsInode& inode, XfsStepBudget& budget,
                XattrCollector& out) {
  std::vector<XfsExtent> extents = MapXfsFork(volume, inode, inode.attr, budget);
  AttrBlockReader reader(volume, inode, extents, budget);
  bool v5 = volume.HasCrc();
  std::uint16_t leaf_magic = v5 ? xfs::kAttrLeafMagicV5 : xfs::kAttrLeafMagicV4;
  std::uint64_t block_number = 0;
  std::uint16_t magic = 0;
  std::vector<std::uint8_t> block = reader.Read(block_number, magic);
  // Node blocks: follow the leftmost child down to the first leaf.
  for (unsigned level = 0; magic != leaf_magic; ++level) {
    size_t header = v5 ? xfs::kDaNodeHeaderV5 : xfs::kDaNodeHeaderV4;
    size_t count = LoadBe16(block.data() + (v5 ? xfs::kDaNodeCountV5 : xfs::kDaNodeCountV4));
    if (level >= kMaxDaLevels || count == 0 || header + 8 > block.size()) {
      throw reader.Fail(block_number, "bad node");
    }
    block_number = LoadBe32(block.data() + header + 4);
    block = reader.Read(block_number, magic);
  }
  // The leaves form a chain; each is visited once.
  std::set<std::uint64_t> seen;
  while (true) {
    if (magic != leaf_magic) throw reader.Fail(block_number, "leaf chain reaches a node");
    if (!seen.insert(block_number).second) throw reader.Fail(block_number, "leaf chain loops");
    ReadLeaf(volume, inode, extents, reader, block_number, block, out);
    std::uint64_t forward = LoadBe32(block.data() + xfs::kDaInfoForward);
    if (forward == 0) break;
    block_number = forward;
    block = reader.Read(block_number, magic);
  }
}

}  // namespace

std::string XfsAclToLinuxXattr(const std::string& xfs_acl) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(xfs_acl.data());
  if (xfs_acl.size() < 4) return {};
  std::uint64_t count = LoadBe32(p);
  if (count > 1024 || 4 + count * kXfsAclEntryBytes != xfs_acl.size()) return {};
  std::string out;
  PutLe(out, kLinuxAclVersion, 4);
  for (size_t i = 0; i < count; ++i) {
    const std::uint8_t* entry = p + 4 + i * kXfsAclEntryBytes;
    std::uint32_t tag = LoadBe32(entry);
    std::uint32_t id = LoadBe32(entry + 4);
    std::uint16_t perm = LoadBe16(entry + 8);
    PutLe(out, tag, 2);
    PutLe(out, perm, 2);
    PutLe(out, tag == kAclUser || tag == kAclGroup ? id : 0xffffffffU, 4);
  }
  return out;
}

std::map<std::string, std::string> ReadXfsXattrs(const XfsVolume& volume, const XfsInode& inode,
                                                 const XattrLimits& limits, XfsStepBudget& budget) {
  XattrCollector out(limits);
  if (!inode.has_attr_fork) return {};
  switch (inode.attr.format) {
    case xfs::kFormatLocal:
      ReadShortform(inode, out);
      break;
    case xfs::kFormatExtents:
    case xfs::kFormatBtree:
      if (inode.attr.extents > 0 || inode.attr.format == xfs::kFormatBtree) {
        ReadBlocks(volume, inode, budget, out);
      }
      break;
    default:
      throw XfsFileError("inode " + std::to_string(inode.number) + ": unknown xattr fork format " +
                         std::to_string(inode.attr.format));
  }
  return out.Take();
}

}  // namespace virdomm::monitor
