// Which pairing grammar the commands validate with: the file VIRDOMM_SCHEMA_DIR names, else the
// one built into the binary. Apart from pairing_schema.cpp so that a build without the
// generated text (the fuzzer's) can still compile grammar files.
#include <string>

#include "pairing/builtin_schema.h"
#include "pairing/pairing_schema.h"

namespace virdomm {

PairingSchema PairingSchema::BuiltIn() {
  return FromText(BuiltInPairingSchemaText(), std::string("the built-in ") + kPairingSchemaFile);
}

PairingSchema PairingSchema::Load() {
  std::optional<std::filesystem::path> file = PairingSchemaOverride();
  if (!file) {
    return BuiltIn();
  }
  try {
    return PairingSchema(*file);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (named by " + kSchemaDirVariable +
                "; fix that copy, or unset the variable to use the grammar built into virdomm)");
  }
}

}  // namespace virdomm
