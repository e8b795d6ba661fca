// libFuzzer target: the hook's two file readers (DomU-bit record, pair registration) must
// either accept or raise their error, never crash, and never accept an entry outside the rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pair_registry.h"
#include "xen/domubit_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const virdomm::DomUBitEntry& e : virdomm::ParseDomUBitRecord(text, "fuzz")) {
      bool valid = e.slot < virdomm::kL1Slots && e.gfn <= virdomm::kMaxFrameNumber &&
                   e.l1_mfn <= virdomm::kMaxFrameNumber &&
                   (e.flags & virdomm::kPteFrameMask) == 0 && (e.flags & virdomm::kDomUBit) != 0 &&
                   (e.flags & virdomm::kPteWritable) == 0;
      if (!valid) {
        std::abort();
      }
    }
  } catch (const virdomm::DomUBitRecordError&) {
  }
  try {
    virdomm::Registration r = virdomm::ParseRegistration(text, "fuzz");
    // What was read must survive a write and a read unchanged.
    if (virdomm::ParseRegistration(virdomm::FormatRegistration(r), "again") != r &&
        r.name.find_first_of("\r\n") == std::string::npos &&
        r.partner_name.find_first_of("\r\n") == std::string::npos) {
      std::abort();
    }
  } catch (const virdomm::Error&) {
  }
  return 0;
}
