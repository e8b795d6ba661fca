// Ordered map of non-overlapping byte ranges; a patch walks only the ranges that intersect.
#include "storage/block_overlay.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace virdomm::monitor {

void BlockOverlay::Add(std::uint64_t offset, std::string bytes) {
  ranges_.insert_or_assign(offset, std::move(bytes));
}

void BlockOverlay::Erase(std::uint64_t begin, std::uint64_t end) {
  ranges_.erase(ranges_.lower_bound(begin), ranges_.lower_bound(end));
}

void BlockOverlay::Patch(std::uint64_t offset, void* buffer, size_t size) const {
  if (ranges_.empty() || size == 0) return;
  auto it = ranges_.upper_bound(offset);
  if (it != ranges_.begin()) {
    auto previous = std::prev(it);
    if (previous->first + previous->second.size() > offset) it = previous;
  }
  std::uint64_t end = offset + size;
  for (; it != ranges_.end() && it->first < end; ++it) {
    std::uint64_t from = std::max(it->first, offset);
    std::uint64_t to = std::min<std::uint64_t>(it->first + it->second.size(), end);
    if (to <= from) continue;
    std::memcpy(static_cast<char*>(buffer) + (from - offset),
                it->second.data() + (from - it->first), static_cast<size_t>(to - from));
  }
}

}  // namespace virdomm::monitor
