// LVM2 physical volumes inside an image: the PV label, the newest metadata copy with valid
// checksums, and the logical volumes whose linear segments lie on this PV, as image pieces.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/lvm_text.h"
#include "storage/partition_table.h"
#include "storage/volume_map.h"

namespace virdomm::monitor {

struct LvmLogicalVolume {
  std::string vg;
  std::string name;
  std::vector<VolumePiece> pieces;  // image offsets, in LV order, adjacent ones merged
};

struct LvmPhysicalVolume {
  std::string vg;
  std::uint64_t seqno = 0;
  std::vector<LvmLogicalVolume> volumes;
  std::vector<std::string> warnings;  // LVs skipped and why
};

// LVM's CRC-32 (reflected, polynomial 0xedb88320, no final inversion), seeded as LVM seeds it.
inline constexpr std::uint32_t kLvmInitialCrc = 0xf597a6cf;
std::uint32_t LvmCrc(std::uint32_t crc, const std::uint8_t* data, size_t size);

// Whether one of the first four sectors of [offset, offset+length) holds a valid PV label.
bool HasLvmLabel(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length);

// Reads the PV at [offset, offset+length): its label, the newest metadata copy whose header and
// text checksums are right, and its logical volumes. Throws LvmError when no copy is usable.
LvmPhysicalVolume ReadLvmPhysicalVolume(const ReadAtFn& read, std::uint64_t offset,
                                        std::uint64_t length);

// The logical volumes of parsed metadata that this PV (uuid without dashes) holds entirely, as
// linear segments; the others are named in `pv.warnings`. Exposed for tests.
LvmPhysicalVolume MapLvmVolumes(const LvmSection& metadata, std::string_view pv_uuid,
                                std::uint64_t pv_offset, std::uint64_t pv_length);

}  // namespace virdomm::monitor
