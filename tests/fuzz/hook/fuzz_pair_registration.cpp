// libFuzzer target: the hook's pair registration reader must either accept or raise its error,
// never crash, and what it accepts must survive a write and a read unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.h"
#include "pair_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    virdomm::Registration r = virdomm::ParseRegistration(text, "fuzz");
    if (virdomm::ParseRegistration(virdomm::FormatRegistration(r), "again") != r &&
        r.name.find_first_of("\r\n") == std::string::npos &&
        r.partner_name.find_first_of("\r\n") == std::string::npos) {
      std::abort();
    }
  } catch (const virdomm::Error&) {
  }
  return 0;
}
