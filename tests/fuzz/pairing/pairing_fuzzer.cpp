// libFuzzer target for the metadata parsers: ParsePairing and ParseDomainXml must turn any
// bytes into a value or a clear error, never a crash; what parses must round-trip; and
// pairing.rng must accept exactly what ParsePairing accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <cstdio>
#include <memory>

#include "domain/domain_xml.h"
#include "pairing/pairing_schema.h"
#include "pairing/pairing_xml.h"

namespace {
// Loaded once: the fuzzer calls the target millions of times in one process.
const virdomm::PairingSchema* schema = nullptr;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  static const auto loaded = std::make_unique<virdomm::PairingSchema>(VIRDOMM_FUZZ_SCHEMA);
  schema = loaded.get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bool parsed = false;
  std::string parse_error;
  try {
    virdomm::Pairing pairing = virdomm::ParsePairing(text);
    parsed = true;
    // What virdomm writes back must read back the same.
    if (virdomm::ParsePairing(virdomm::EmitPairing(pairing)) != pairing) {
      std::abort();
    }
  } catch (const virdomm::Error& e) {
    parse_error = e.what();
  }
  std::string schema_error = schema->Validate(text);
  if (parsed != schema_error.empty()) {
    std::fprintf(stderr, "parser and pairing.rng disagree: parser %s, schema %s\n",
                 parsed ? "accepts" : parse_error.c_str(),
                 schema_error.empty() ? "accepts" : schema_error.c_str());
    std::abort();
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
