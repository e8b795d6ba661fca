// Where a volume's bytes lie in the image: one contiguous range (a partition) or several pieces
// (a logical volume whose linear segments sit apart on its physical volume).
#pragma once

#include <cstdint>
#include <vector>

#include "storage/partition_table.h"
#include "storage/scan_types.h"

namespace virdomm::monitor {

struct VolumePiece {
  std::uint64_t volume_offset = 0;  // first byte of the piece inside the volume
  std::uint64_t image_offset = 0;   // where that byte is in the image
  std::uint64_t length = 0;
};

class VolumeMap {
 public:
  // Pieces must be sorted, adjacent from volume byte 0 and non-empty (checked; throws Error).
  explicit VolumeMap(std::vector<VolumePiece> pieces);
  static VolumeMap Contiguous(std::uint64_t image_offset, std::uint64_t length);

  [[nodiscard]] std::uint64_t Length() const { return length_; }
  [[nodiscard]] const std::vector<VolumePiece>& Pieces() const { return pieces_; }
  // Reads volume bytes [offset, offset+size) through `read`; returns the bytes read (short only
  // at the end of the volume or of the image).
  size_t Read(const ReadAtFn& read, std::uint64_t offset, void* buffer, size_t size) const;
  // Splits a content segment whose `physical` is a volume byte into segments of image bytes.
  void AppendImageSegments(const Segment& volume_segment, std::vector<Segment>& out) const;

 private:
  [[nodiscard]] size_t PieceAt(std::uint64_t offset) const;
  std::vector<VolumePiece> pieces_;
  std::uint64_t length_ = 0;
};

}  // namespace virdomm::monitor
