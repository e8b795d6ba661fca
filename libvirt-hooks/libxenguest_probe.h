// Whether this host's toolstack can carry Domain M's foreign mappings through a save or a
// migration: only virdomm's patched libxenguest does (xen-patches/). A stock one saves and
// restores such a Domain M "successfully" and leaves it silently corrupted.
#pragma once

#include <string>

namespace virdomm {

// Empty when the libxenguest that libxl loads on this host is the patched one; otherwise why
// not (stock library, or none loadable). Never throws.
std::string LibxenguestCarryFault();

// The same judgement on one library file. Exposed for tests.
std::string LibxenguestFileCarryFault(const std::string& path);

}  // namespace virdomm
