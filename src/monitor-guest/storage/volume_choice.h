// Which filesystems of an image a scan reads: the whole image, its MBR/GPT partitions, and the
// logical volumes of LVM2 physical volumes among them, narrowed by --partition choices.
#pragma once

#include <string>
#include <vector>

#include "storage/image_file.h"
#include "storage/source_volume.h"

namespace virdomm::monitor {

// `choices` are "N", "N:/mountpoint", "VG/LV" or "VG/LV:/mountpoint"; empty means every
// filesystem found. Sets `description` to the report's source text and appends warnings (LVs
// skipped, several volumes under /partitionN and /lv/VG/LV). Throws SourceError.
std::vector<SourceVolume> ChooseVolumes(const ImageFile& image,
                                        const std::vector<std::string>& choices,
                                        std::string& description,
                                        std::vector<std::string>& warnings);

}  // namespace virdomm::monitor
