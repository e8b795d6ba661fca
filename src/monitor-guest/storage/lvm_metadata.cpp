// LVM2 label, metadata-area header and text checks, and the mapping of linear segments to bytes.
#include "storage/lvm_metadata.h"

#include <algorithm>
#include <cstring>

#include "storage/big_endian.h"

namespace virdomm::monitor {
namespace {

constexpr size_t kSector = 512;
constexpr unsigned kLabelScanSectors = 4;
constexpr char kLabelId[] = "LABELONE";
constexpr char kLabelType[] = "LVM2 001";
constexpr size_t kLabelSectorField = 8;
constexpr size_t kLabelCrc = 16;
constexpr size_t kLabelContentOffset = 20;  // the label crc covers this offset to the sector end
constexpr size_t kLabelTypeOffset = 24;
constexpr size_t kPvUuidBytes = 32;
constexpr size_t kPvAreas = 40;  // after the uuid and device size: data areas, then metadata
constexpr size_t kDiskLocnBytes = 16;
constexpr char kMdaMagic[] = " LVM2 x[5A%r0N*>";
constexpr size_t kMdaHeaderBytes = 512;
constexpr size_t kMdaMagicOffset = 4;
constexpr size_t kMdaVersion = 20;
constexpr size_t kMdaStart = 24;
constexpr size_t kMdaSize = 32;
constexpr size_t kMdaRawLocn = 40;
constexpr std::uint32_t kRawLocnIgnored = 1;
constexpr unsigned kMaxMetadataAreas = 8;
constexpr std::uint64_t kMaxMetadataText = 16U << 20;

struct Label {
  std::uint64_t sector = 0;
  std::string pv_uuid;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> metadata_areas;  // offset, size in PV
};

bool ParseLabel(const std::uint8_t* sector, std::uint64_t index, Label& label) {
  if (std::memcmp(sector, kLabelId, 8) != 0 ||
      std::memcmp(sector + kLabelTypeOffset, kLabelType, 8) != 0) {
    return false;
  }
  if (LoadLe64(sector + kLabelSectorField) != index) return false;
  std::uint32_t crc =
      LvmCrc(kLvmInitialCrc, sector + kLabelContentOffset, kSector - kLabelContentOffset);
  if (crc != LoadLe32(sector + kLabelCrc)) return false;
  std::uint32_t header = LoadLe32(sector + kLabelContentOffset);
  if (header < 32 || header + kPvAreas > kSector) return false;
  const std::uint8_t* pv = sector + header;
  label.sector = index;
  label.pv_uuid.assign(reinterpret_cast<const char*>(pv), kPvUuidBytes);
  // Data areas end with a zero entry, metadata areas follow and end the same way.
  size_t at = header + kPvAreas;
  bool in_metadata = false;
  while (at + kDiskLocnBytes <= kSector) {
    std::uint64_t offset = LoadLe64(sector + at);
    std::uint64_t size = LoadLe64(sector + at + 8);
    at += kDiskLocnBytes;
    if (offset == 0 && size == 0) {
      if (in_metadata) return true;
      in_metadata = true;
      continue;
    }
    if (in_metadata && label.metadata_areas.size() < kMaxMetadataAreas) {
      label.metadata_areas.emplace_back(offset, size);
    }
  }
  return in_metadata;
}

bool FindLabel(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length, Label& label) {
  std::uint8_t sector[kSector];
  for (std::uint64_t i = 0; i < kLabelScanSectors; ++i) {
    if ((i + 1) * kSector > length || read(offset + i * kSector, sector, kSector) != kSector) {
      return false;
    }
    if (ParseLabel(sector, i, label)) return true;
  }
  return false;
}

std::string WithoutDashes(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '-') out.push_back(c);
  }
  return out;
}

// One metadata copy: the text raw_locn[0] points at, checked against both checksums.
bool ReadMetadataCopy(const ReadAtFn& read, std::uint64_t pv_offset, std::uint64_t pv_length,
                      std::uint64_t area_offset, std::uint64_t area_size, std::string& text,
                      std::string& problem) {
  if (area_offset > pv_length || area_size > pv_length - area_offset ||
      area_size <= kMdaHeaderBytes) {
    problem = "metadata area outside the PV";
    return false;
  }
  std::uint8_t header[kMdaHeaderBytes];
  if (read(pv_offset + area_offset, header, sizeof header) != sizeof header) {
    problem = "short read of the metadata area header";
    return false;
  }
  if (std::memcmp(header + kMdaMagicOffset, kMdaMagic, 16) != 0 ||
      LoadLe32(header + kMdaVersion) != 1 || LoadLe64(header + kMdaStart) != area_offset ||
      LoadLe64(header + kMdaSize) != area_size) {
    problem = "metadata area header is not LVM2's";
    return false;
  }
  if (LvmCrc(kLvmInitialCrc, header + kMdaMagicOffset, kMdaHeaderBytes - kMdaMagicOffset) !=
      LoadLe32(header)) {
    problem = "metadata area header checksum mismatch";
    return false;
  }
  std::uint64_t offset = LoadLe64(header + kMdaRawLocn);
  std::uint64_t size = LoadLe64(header + kMdaRawLocn + 8);
  std::uint32_t checksum = LoadLe32(header + kMdaRawLocn + 16);
  std::uint32_t flags = LoadLe32(header + kMdaRawLocn + 20);
  if ((flags & kRawLocnIgnored) != 0 || size == 0) {
    problem = "metadata area holds no metadata";
    return false;
  }
  std::uint64_t ring = area_size - kMdaHeaderBytes;  // the text is a ring after the header
  if (offset < kMdaHeaderBytes || offset >= area_size || size > ring || size > kMaxMetadataText) {
    problem = "metadata text location outside its area";
    return false;
  }
  text.assign(static_cast<size_t>(size), '\0');
  std::uint64_t first = std::min(size, area_size - offset);
  std::uint64_t base = pv_offset + area_offset;
  if (read(base + offset, text.data(), static_cast<size_t>(first)) != first ||
      (size > first && read(base + kMdaHeaderBytes, text.data() + first,
                            static_cast<size_t>(size - first)) != size - first)) {
    problem = "short read of the metadata text";
    return false;
  }
  if (LvmCrc(kLvmInitialCrc, reinterpret_cast<const std::uint8_t*>(text.data()), text.size()) !=
      checksum) {
    problem = "metadata text checksum mismatch";
    return false;
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return true;
}

// The VG section: the top-level section that has physical_volumes.
const LvmSection* FindVolumeGroup(const LvmSection& metadata, std::string& name) {
  for (const LvmSection& section : metadata.sections) {
    if (section.Section("physical_volumes") != nullptr) {
      name = section.name;
      return &section;
    }
  }
  return nullptr;
}

bool HasFlag(const LvmSection& section, std::string_view key, std::string_view flag) {
  const LvmValue* value = section.Value(key);
  if (value == nullptr || value->kind != LvmValue::Kind::kArray) return false;
  return std::any_of(value->items.begin(), value->items.end(), [&](const LvmValue& item) {
    return item.kind == LvmValue::Kind::kString && item.text == flag;
  });
}

std::uint64_t Positive(std::int64_t value, std::string_view what, std::string_view where) {
  if (value < 0) throw LvmError(std::string(where) + ": negative " + std::string(what));
  return static_cast<std::uint64_t>(value);
}

// Maps one LV onto the PV, or says why it cannot be read from this PV alone.
bool MapVolume(const LvmSection& lv, const std::string& where, const std::string& pv_name,
               std::uint64_t extent_bytes, std::uint64_t pe_start, std::uint64_t pv_offset,
               std::uint64_t pv_length, std::vector<VolumePiece>& pieces, std::string& problem) {
  struct Seg {
    std::uint64_t start, count, pe;
  };
  std::vector<Seg> segments;
  for (const LvmSection& segment : lv.sections) {
    if (segment.name.rfind("segment", 0) != 0) continue;
    const std::string& type = segment.String("type", where);
    if (type != "striped") {
      problem = "segment type \"" + type + "\" is not supported";
      return false;
    }
    if (segment.Number("stripe_count", where) != 1) {
      problem = "striped segments are not supported";
      return false;
    }
    const LvmValue* stripes = segment.Value("stripes");
    if (stripes == nullptr || stripes->kind != LvmValue::Kind::kArray ||
        stripes->items.size() != 2 || stripes->items[0].kind != LvmValue::Kind::kString ||
        stripes->items[1].kind != LvmValue::Kind::kNumber) {
      throw LvmError(where + ": malformed stripes");
    }
    if (stripes->items[0].text != pv_name) {
      problem = "it has extents on another physical volume (" + stripes->items[0].text + ")";
      return false;
    }
    segments.push_back(Seg{Positive(segment.Number("start_extent", where), "start", where),
                           Positive(segment.Number("extent_count", where), "count", where),
                           Positive(stripes->items[1].number, "extent", where)});
  }
  if (segments.empty()) {
    problem = "it has no segments";
    return false;
  }
  std::sort(segments.begin(), segments.end(),
            [](const Seg& a, const Seg& b) { return a.start < b.start; });
  std::uint64_t volume_offset = 0;
  std::uint64_t next_extent = 0;
  std::uint64_t max_extents = pv_length / extent_bytes;
  for (const Seg& s : segments) {
    if (s.start != next_extent || s.count == 0 || s.count > max_extents ||
        s.pe > max_extents - s.count) {
      throw LvmError(where + ": segments leave gaps or lie outside the PV");
    }
    std::uint64_t physical = pe_start + s.pe * extent_bytes;
    std::uint64_t length = s.count * extent_bytes;
    if (physical > pv_length || length > pv_length - physical) {
      throw LvmError(where + ": a segment lies outside the PV");
    }
    if (!pieces.empty() &&
        pieces.back().image_offset + pieces.back().length == pv_offset + physical) {
      pieces.back().length += length;
    } else {
      pieces.push_back(VolumePiece{volume_offset, pv_offset + physical, length});
    }
    volume_offset += length;
    next_extent = s.start + s.count;
  }
  return true;
}

}  // namespace

std::uint32_t LvmCrc(std::uint32_t crc, const std::uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
  }
  return crc;
}

bool HasLvmLabel(const ReadAtFn& read, std::uint64_t offset, std::uint64_t length) {
  Label label;
  return FindLabel(read, offset, length, label);
}

LvmPhysicalVolume MapLvmVolumes(const LvmSection& metadata, std::string_view pv_uuid,
                                std::uint64_t pv_offset, std::uint64_t pv_length) {
  LvmPhysicalVolume pv;
  const LvmSection* vg = FindVolumeGroup(metadata, pv.vg);
  if (vg == nullptr) throw LvmError("LVM metadata names no volume group");
  std::string where = "volume group " + pv.vg;
  pv.seqno = Positive(vg->Number("seqno", where), "seqno", where);
  std::uint64_t extent_sectors = Positive(vg->Number("extent_size", where), "extent_size", where);
  if (extent_sectors == 0 || extent_sectors > (std::uint64_t{1} << 32)) {
    throw LvmError(where + ": bad extent_size");
  }
  std::uint64_t extent_bytes = extent_sectors * kSector;
  std::string pv_name;
  std::uint64_t pe_start = 0;
  for (const LvmSection& section : vg->Section("physical_volumes")->sections) {
    if (WithoutDashes(section.String("id", where)) == pv_uuid) {
      pv_name = section.name;
      std::uint64_t sectors = Positive(section.Number("pe_start", where), "pe_start", where);
      if (sectors > pv_length / kSector) throw LvmError(where + ": pe_start outside the PV");
      pe_start = sectors * kSector;
    }
  }
  if (pv_name.empty()) throw LvmError(where + " does not list this physical volume");
  const LvmSection* lvs = vg->Section("logical_volumes");
  if (lvs == nullptr) return pv;
  for (const LvmSection& lv : lvs->sections) {
    if (!HasFlag(lv, "status", "VISIBLE")) continue;  // pool, mirror and raid sub-volumes
    LvmLogicalVolume volume{pv.vg, lv.name, {}};
    std::string problem;
    std::string lv_where = "LV " + pv.vg + "/" + lv.name;
    if (MapVolume(lv, lv_where, pv_name, extent_bytes, pe_start, pv_offset, pv_length,
                  volume.pieces, problem)) {
      pv.volumes.push_back(std::move(volume));
    } else {
      lv_where.append(" is skipped: ").append(problem);
      pv.warnings.push_back(std::move(lv_where));
    }
  }
  return pv;
}

LvmPhysicalVolume ReadLvmPhysicalVolume(const ReadAtFn& read, std::uint64_t offset,
                                        std::uint64_t length) {
  Label label;
  if (!FindLabel(read, offset, length, label)) throw LvmError("no LVM2 physical volume label");
  std::string problems;
  bool found = false;
  LvmPhysicalVolume newest;
  for (const auto& [area_offset, area_size] : label.metadata_areas) {
    std::string text;
    std::string problem;
    if (!ReadMetadataCopy(read, offset, length, area_offset, area_size, text, problem)) {
      problems += (problems.empty() ? "" : "; ") + problem;
      continue;
    }
    try {
      LvmPhysicalVolume pv =
          MapLvmVolumes(ParseLvmText(text), WithoutDashes(label.pv_uuid), offset, length);
      if (!found || pv.seqno > newest.seqno) newest = std::move(pv);
      found = true;
    } catch (const LvmError& error) {
      problems += (problems.empty() ? "" : "; ") + std::string(error.what());
    }
  }
  if (!found) {
    throw LvmError("no usable LVM2 metadata copy with valid checksums" +
                   (problems.empty() ? std::string() : " (" + problems + ")"));
  }
  return newest;
}

}  // namespace virdomm::monitor
