// libFuzzer target for the metadata parsers: ParsePairing and ParseDomainXml must turn any
// bytes into a value or a clear error, never a crash, and what parses must round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/domain_xml.h"
#include "pairing/pairing_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    virdomm::Pairing pairing = virdomm::ParsePairing(text);
    // What virdomm writes back must read back the same.
    if (virdomm::ParsePairing(virdomm::EmitPairing(pairing)) != pairing) {
      std::abort();
    }
  } catch (const virdomm::Error&) {
  }
  try {
    virdomm::DomainFacts facts = virdomm::ParseDomainXml(text);
    if (facts.pairing && !facts.pairing_error.empty()) {
      std::abort();  // a pairing is either read or reported, never both
    }
  } catch (const virdomm::Error&) {
  }
  return 0;
}
