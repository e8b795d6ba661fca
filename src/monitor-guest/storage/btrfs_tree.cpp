// Node validation and range walks. A walk descends at most kMaxLevel+1 levels, each node's
// level one below its parent's, so recursion depth is bounded by the format itself.
#include "storage/btrfs_tree.h"

#include <algorithm>
#include <cstdio>

#include "storage/btrfs_checksum.h"

namespace virdomm::monitor::btrfs {
namespace {

constexpr size_t kCacheNodes = 4096;  // 64 MiB of 16 KiB nodes at most

}  // namespace

Key Node::KeyAt(std::uint32_t slot) const {
  size_t width = level_ == 0 ? node::kItemBytes : node::kKeyPtrBytes;
  return ReadKey(bytes_, node::kHeaderBytes + slot * width);
}

std::uint32_t Node::DataOffset(std::uint32_t slot) const {
  return static_cast<std::uint32_t>(node::kHeaderBytes) +
         Le32(bytes_, node::kHeaderBytes + slot * node::kItemBytes + kKeyBytes);
}

Bytes Node::DataAt(std::uint32_t slot) const {
  std::uint32_t size = Le32(bytes_, node::kHeaderBytes + slot * node::kItemBytes + kKeyBytes + 4);
  return Bytes(bytes_).subspan(DataOffset(slot), size);
}

std::uint64_t Node::ChildAt(std::uint32_t slot) const {
  return Le64(bytes_, node::kHeaderBytes + slot * node::kKeyPtrBytes + kKeyBytes);
}

Node ParseNode(std::vector<std::uint8_t> bytes, std::uint64_t logical, const Superblock& super) {
  std::string where = "btrfs tree node at " + HexNumber(logical);
  Bytes b(bytes);
  if (b.size() != super.node_size) throw BtrfsError(where + ": short read");
  if (!ChecksumMatches(super.csum_type, b)) throw BtrfsError(where + ": checksum mismatch");
  if (Le64(b, node::kBytenr) != logical) {
    throw BtrfsError(where + ": header names address " + HexNumber(Le64(b, node::kBytenr)));
  }
  if (!std::equal(super.metadata_fsid.begin(), super.metadata_fsid.end(),
                  b.begin() + node::kFsid)) {
    throw BtrfsError(where + ": belongs to another filesystem (fsid differs)");
  }
  std::uint8_t level = b[node::kLevel];
  std::uint32_t items = Le32(b, node::kNritems);
  size_t room = b.size() - node::kHeaderBytes;
  size_t width = level == 0 ? node::kItemBytes : node::kKeyPtrBytes;
  if (level > node::kMaxLevel) throw BtrfsError(where + ": level " + std::to_string(level));
  if (items > room / width || (level > 0 && items == 0)) {
    throw BtrfsError(where + ": " + std::to_string(items) + " items do not fit");
  }
  Node parsed(std::move(bytes), level, items);
  Bytes view(b.data(), b.size());
  for (std::uint32_t i = 0; i < items; ++i) {
    if (i > 0 && !(parsed.KeyAt(i - 1) < parsed.KeyAt(i))) {
      throw BtrfsError(where + ": keys out of order at slot " + std::to_string(i));
    }
    if (level == 0) {
      size_t entry = node::kHeaderBytes + i * node::kItemBytes;
      std::uint64_t offset = Le32(view, entry + kKeyBytes);
      std::uint64_t size = Le32(view, entry + kKeyBytes + 4);
      // Item data sits after the item headers and inside the node.
      if (offset < static_cast<std::uint64_t>(items) * node::kItemBytes || offset > room ||
          size > room - offset) {
        throw BtrfsError(where + ": item " + std::to_string(i) + " data out of bounds");
      }
    }
  }
  return parsed;
}

std::shared_ptr<const Node> TreeReader::Read(std::uint64_t logical, std::uint8_t level) {
  if (budget_ == 0) {
    exhausted_ = true;
    throw BtrfsError(
        "btrfs trees need more node reads than the filesystem can hold; the image "
        "is corrupt or hostile");
  }
  --budget_;
  auto cached = cache_.find(logical);
  std::shared_ptr<const Node> node;
  if (cached != cache_.end()) {
    node = cached->second;
  } else {
    std::uint64_t physical = Physical(logical);
    std::vector<std::uint8_t> bytes(super_.node_size);
    if (read_(physical, bytes.data(), bytes.size()) != bytes.size()) {
      throw BtrfsError("btrfs tree node at " + HexNumber(logical) + " lies beyond the image end");
    }
    node = std::make_shared<const Node>(ParseNode(std::move(bytes), logical, super_));
    if (cache_.size() >= kCacheNodes) cache_.clear();
    cache_.emplace(logical, node);
  }
  if (node->Level() != level) {
    throw BtrfsError("btrfs tree node at " + HexNumber(logical) + " has level " +
                     std::to_string(node->Level()) + ", its parent expects " +
                     std::to_string(level));
  }
  return node;
}

void TreeReader::ForEach(const TreeRoot& root, const Key& min, const Key& max,
                         const Visitor& visit) {
  Walk(root.logical, root.level, Key{}, nullptr, min, max, visit);
}

bool TreeReader::Walk(std::uint64_t logical, std::uint8_t level, const Key& low, const Key* high,
                      const Key& min, const Key& max, const Visitor& visit) {
  std::shared_ptr<const Node> node = Read(logical, level);
  std::uint32_t items = node->Items();
  if (items == 0) return true;
  if (node->KeyAt(0) < low || (high != nullptr && !(node->KeyAt(items - 1) < *high))) {
    throw BtrfsError("btrfs tree node at " + HexNumber(logical) +
                     " holds keys outside the range its parent gives it");
  }
  // First slot that can hold keys >= min: for a leaf the first key >= min, for an internal
  // node the last pointer whose key <= min.
  std::uint32_t lo = 0;
  std::uint32_t hi = items;
  while (lo < hi) {
    std::uint32_t mid = lo + (hi - lo) / 2;
    if (node->KeyAt(mid) < min) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (level == 0) {
    for (std::uint32_t slot = lo; slot < items; ++slot) {
      Key key = node->KeyAt(slot);
      if (max < key) return false;
      if (!visit(key, node->DataAt(slot), *node, logical, slot)) return false;
    }
    return true;
  }
  std::uint32_t start = lo;
  if (start == items || min < node->KeyAt(start)) start = start > 0 ? start - 1 : 0;
  for (std::uint32_t slot = start; slot < items; ++slot) {
    Key key = node->KeyAt(slot);
    if (max < key) return false;
    Key next;
    const Key* child_high = high;
    if (slot + 1 < items) {
      next = node->KeyAt(slot + 1);
      child_high = &next;
    }
    if (!Walk(node->ChildAt(slot), static_cast<std::uint8_t>(level - 1), key, child_high, min, max,
              visit)) {
      return false;
    }
  }
  return true;
}

}  // namespace virdomm::monitor::btrfs
