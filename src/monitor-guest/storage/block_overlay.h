// Replacement contents for byte ranges of an image: the blocks a journal replay would have
// written. Reads of the image copy them over what the image holds, so every reader (libext2fs
// and the content hasher) sees the replayed filesystem while the image stays untouched.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace virdomm::monitor {

class BlockOverlay {
 public:
  // `offset` is a byte offset into the image; ranges must not overlap existing ones.
  void Add(std::uint64_t offset, std::string bytes);
  // Drops every range that starts in [begin, end): a volume whose replay was given up.
  void Erase(std::uint64_t begin, std::uint64_t end);
  // Copies the overlay's bytes that fall in [offset, offset+size) into `buffer`. Safe to call
  // from several threads once no more ranges are added.
  void Patch(std::uint64_t offset, void* buffer, size_t size) const;
  [[nodiscard]] bool Empty() const { return ranges_.empty(); }

 private:
  std::map<std::uint64_t, std::string> ranges_;  // start offset -> bytes
};

}  // namespace virdomm::monitor
