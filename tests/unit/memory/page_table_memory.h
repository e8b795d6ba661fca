// Test guest memory with x86-64 page tables built in it: frames on demand, a 4- or 5-level
// root, and Map() of one 4 KiB page (or one 2 MiB leaf) with the flags a test asks for, so that
// page walks over the module area can be tested without a booted guest.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "memory/guest_memory.h"
#include "memory/kernel_address_space.h"

namespace virdomm::monitor::testing {

inline constexpr uint64_t kWritable = 2;

class PageTableMemory : public GuestMemory {
 public:
  explicit PageTableMemory(unsigned levels = 4) : levels_(levels), root_(NewFrame()) {}

  [[nodiscard]] std::string Describe() const override { return "page-table test memory"; }
  [[nodiscard]] uint64_t FrameLimit() const override { return next_frame_; }
  [[nodiscard]] FrameView MapFrames(std::span<const uint64_t> gfns) override {
    std::vector<const uint8_t*> frames;
    std::vector<int> errors;
    for (uint64_t gfn : gfns) {
      auto it = frames_.find(gfn);
      bool readable = it != frames_.end() && !holes_.contains(gfn);
      frames.push_back(readable ? it->second.data() : nullptr);
      errors.push_back(readable ? 0 : 14 /*EFAULT*/);
    }
    return {std::move(frames), std::move(errors), nullptr};
  }

  uint64_t NewFrame() {
    frames_[next_frame_].assign(kPageSize, 0);
    return next_frame_++;
  }
  [[nodiscard]] uint64_t Root() const { return root_; }
  [[nodiscard]] unsigned Levels() const { return levels_; }
  uint8_t* Bytes(uint64_t frame) { return frames_.at(frame).data(); }
  void MakeHole(uint64_t frame) { holes_.insert(frame); }

  // Maps `address` to a new frame (returned) as a leaf at `leaf_level` (1: 4 KiB, 2: 2 MiB),
  // `leaf_flags` on the leaf and `upper_flags` added to every table entry on the way.
  uint64_t Map(uint64_t address, uint64_t leaf_flags, unsigned leaf_level = 1,
               uint64_t upper_flags = 0) {
    uint64_t table = root_;
    for (unsigned level = levels_; level > leaf_level; --level) {
      uint64_t& entry = Entry(table, level, address);
      if ((entry & kEntryPresent) == 0) {
        entry = (NewFrame() << kPageShift) | kEntryPresent | kWritable;
      }
      entry |= upper_flags;
      table = (entry & kEntryFrameMask) >> kPageShift;
    }
    uint64_t frame = NewFrame();
    if (leaf_level == 2) {
      for (int i = 1; i < 512; ++i) {
        NewFrame();  // a 2 MiB leaf names 512 contiguous frames
      }
    }
    Entry(table, leaf_level, address) =
        (frame << kPageShift) | leaf_flags | (leaf_level > 1 ? kEntryPageSize : 0);
    return frame;
  }

  // Where `address` (mapped by a 4 KiB leaf) is in test memory, to write guest structures.
  uint8_t* At(uint64_t address) {
    uint64_t frame = (EntryFor(address, 1) & kEntryFrameMask) >> kPageShift;
    return Bytes(frame) + (address & (kPageSize - 1));
  }
  void PutU64(uint64_t address, uint64_t value) { std::memcpy(At(address), &value, 8); }
  void PutU32(uint64_t address, uint32_t value) { std::memcpy(At(address), &value, 4); }

  // The table entry for `address` at `level` (must be reachable), to corrupt it.
  uint64_t& EntryFor(uint64_t address, unsigned level) {
    uint64_t table = root_;
    for (unsigned at = levels_; at > level; --at) {
      table = (Entry(table, at, address) & kEntryFrameMask) >> kPageShift;
    }
    return Entry(table, level, address);
  }

 private:
  uint64_t& Entry(uint64_t table, unsigned level, uint64_t address) {
    unsigned index = (address >> (12 + 9 * (level - 1))) & 511;
    return reinterpret_cast<uint64_t*>(frames_.at(table).data())[index];
  }

  unsigned levels_;
  uint64_t next_frame_ = 1;
  std::map<uint64_t, std::vector<uint8_t>> frames_;
  std::set<uint64_t> holes_;
  uint64_t root_;
};

}  // namespace virdomm::monitor::testing
