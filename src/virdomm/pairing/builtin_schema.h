// The text of xml-schemas/pairing.rng as this binary was built with it (builtin_schema.cpp.in,
// filled in by CMake): the grammar is the binary's contract, so it travels inside it.
#pragma once

#include <string_view>

namespace virdomm {

std::string_view BuiltInPairingSchemaText();

}  // namespace virdomm
