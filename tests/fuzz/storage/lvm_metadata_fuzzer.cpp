// libFuzzer target: arbitrary bytes as LVM2 text metadata, parsed and mapped onto a 1 GiB PV as
// each PV the metadata lists. Any crash, hang, leak or exception other than LvmError is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/lvm_metadata.h"
#include "storage/lvm_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    using virdomm::monitor::LvmSection;
    LvmSection metadata = virdomm::monitor::ParseLvmText(text);
    for (const LvmSection& vg : metadata.sections) {
      const LvmSection* pvs = vg.Section("physical_volumes");
      if (pvs == nullptr) continue;
      for (size_t i = 0; i < pvs->sections.size() && i < 8; ++i) {
        std::string uuid;
        const virdomm::monitor::LvmValue* id = pvs->sections[i].Value("id");
        if (id == nullptr) continue;
        for (char c : id->text) {
          if (c != '-') uuid.push_back(c);
        }
        try {
          (void)virdomm::monitor::MapLvmVolumes(metadata, uuid, 1 << 20, std::uint64_t{1} << 30);
        } catch (const virdomm::monitor::LvmError&) {
        }
      }
    }
  } catch (const virdomm::monitor::LvmError&) {
    // Refused metadata is a correct outcome.
  }
  return 0;
}
