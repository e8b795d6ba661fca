// Reading btrfs tree nodes (checksum, header and bounds checks, a small cache) and walking a
// B-tree over a key range.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "storage/btrfs_chunk_map.h"
#include "storage/btrfs_format.h"
#include "storage/btrfs_superblock.h"
#include "storage/partition_table.h"

namespace virdomm::monitor::btrfs {

// One verified node: keys strictly ascending, every leaf item's data inside the node.
class Node {
 public:
  Node(std::vector<std::uint8_t> bytes, std::uint8_t level, std::uint32_t items)
      : bytes_(std::move(bytes)), level_(level), items_(items) {}
  [[nodiscard]] std::uint8_t Level() const { return level_; }
  [[nodiscard]] std::uint32_t Items() const { return items_; }
  [[nodiscard]] Key KeyAt(std::uint32_t slot) const;
  [[nodiscard]] Bytes DataAt(std::uint32_t slot) const;           // leaves
  [[nodiscard]] std::uint64_t ChildAt(std::uint32_t slot) const;  // internal nodes
  // Where slot's data starts inside the node (for reading inline file data in place).
  [[nodiscard]] std::uint32_t DataOffset(std::uint32_t slot) const;

 private:
  std::vector<std::uint8_t> bytes_;
  std::uint8_t level_;
  std::uint32_t items_;
};

// Checks one node's bytes, as read from logical address `logical`. Throws BtrfsError.
Node ParseNode(std::vector<std::uint8_t> bytes, std::uint64_t logical, const Superblock& super);

// Reads nodes through the chunk map. Node reads are charged against a budget, so a hostile tree
// (however it is shaped) cannot make a walk run forever.
class TreeReader {
 public:
  // `read` reads volume-relative device bytes.
  TreeReader(ReadAtFn read, const Superblock& super, const ChunkMap& chunks,
             std::uint64_t node_budget)
      : read_(std::move(read)), super_(super), chunks_(chunks), budget_(node_budget) {}

  std::shared_ptr<const Node> Read(std::uint64_t logical, std::uint8_t level);
  // Whether the node budget ran out: then the whole scan must stop, not just one file.
  [[nodiscard]] bool Exhausted() const { return exhausted_; }
  // Where the node at `logical` lies on the device.
  [[nodiscard]] std::uint64_t Physical(std::uint64_t logical) const {
    return chunks_.Map(logical, super_.node_size);
  }

  // Calls `visit(key, data)` for every leaf item with min <= key <= max, in key order, until
  // it returns false. Each node's keys must lie within the range its parent gives it.
  using Visitor = std::function<bool(const Key& key, Bytes data, const Node& leaf,
                                     std::uint64_t leaf_logical, std::uint32_t slot)>;
  void ForEach(const TreeRoot& root, const Key& min, const Key& max, const Visitor& visit);

 private:
  bool Walk(std::uint64_t logical, std::uint8_t level, const Key& low, const Key* high,
            const Key& min, const Key& max, const Visitor& visit);

  ReadAtFn read_;
  const Superblock& super_;
  const ChunkMap& chunks_;
  std::uint64_t budget_;
  bool exhausted_ = false;
  std::unordered_map<std::uint64_t, std::shared_ptr<const Node>> cache_;
};

}  // namespace virdomm::monitor::btrfs
