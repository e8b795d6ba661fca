// Volume-to-image byte translation over a sorted piece list.
#include "storage/volume_map.h"

#include <algorithm>

#include "common/error.h"

namespace virdomm::monitor {

VolumeMap::VolumeMap(std::vector<VolumePiece> pieces) : pieces_(std::move(pieces)) {
  for (const VolumePiece& piece : pieces_) {
    if (piece.length == 0 || piece.volume_offset != length_ ||
        piece.image_offset + piece.length < piece.image_offset) {
      throw Error("volume pieces are not adjacent and non-empty");
    }
    length_ += piece.length;
  }
}

VolumeMap VolumeMap::Contiguous(std::uint64_t image_offset, std::uint64_t length) {
  if (length == 0) return VolumeMap({});
  return VolumeMap({VolumePiece{0, image_offset, length}});
}

size_t VolumeMap::PieceAt(std::uint64_t offset) const {
  auto it = std::upper_bound(
      pieces_.begin(), pieces_.end(), offset,
      [](std::uint64_t value, const VolumePiece& piece) { return value < piece.volume_offset; });
  return static_cast<size_t>(it - pieces_.begin()) - 1;
}

size_t VolumeMap::Read(const ReadAtFn& read, std::uint64_t offset, void* buffer,
                       size_t size) const {
  if (offset >= length_) return 0;
  size = static_cast<size_t>(std::min<std::uint64_t>(size, length_ - offset));
  size_t done = 0;
  for (size_t index = PieceAt(offset); done < size && index < pieces_.size(); ++index) {
    const VolumePiece& piece = pieces_[index];
    std::uint64_t inside = offset + done - piece.volume_offset;
    auto take = static_cast<size_t>(std::min<std::uint64_t>(size - done, piece.length - inside));
    size_t got = read(piece.image_offset + inside, static_cast<char*>(buffer) + done, take);
    done += got;
    if (got < take) break;
  }
  return done;
}

void VolumeMap::AppendImageSegments(const Segment& segment, std::vector<Segment>& out) const {
  std::uint64_t done = 0;
  if (segment.physical >= length_ || segment.length > length_ - segment.physical) {
    throw Error("content segment lies outside its volume");
  }
  for (size_t index = PieceAt(segment.physical); done < segment.length; ++index) {
    const VolumePiece& piece = pieces_[index];
    std::uint64_t inside = segment.physical + done - piece.volume_offset;
    std::uint64_t take = std::min(segment.length - done, piece.length - inside);
    std::uint64_t logical = segment.logical + done;
    std::uint64_t physical = piece.image_offset + inside;
    if (!out.empty() && out.back().logical + out.back().length == logical &&
        out.back().physical + out.back().length == physical) {
      out.back().length += take;
    } else {
      out.push_back(Segment{logical, physical, take});
    }
    done += take;
  }
}

}  // namespace virdomm::monitor
