// The numbers the binding keys carry: domids and the generation counter, decimal text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/protocol/xenstore_keys.h"

namespace virdomm::protocol {

// The largest domid of a real domain: Xen reserves DOMID_FIRST_RESERVED (0x7FF0) and up.
inline constexpr DomId kMaxDomid = 0x7FEF;

// The whole text as an unsigned decimal number (from_chars alone would accept a prefix): the
// generation, an alert's seq. nullopt for anything else, the empty text included.
std::optional<std::uint64_t> ParseDecimal(std::string_view text);
// A domid as `target-domid` or Xen's `target` holds it: decimal digits only, 1..kMaxDomid.
// Dom0 (0) is never a target, so "0" is refused like any other text that names no target.
std::optional<DomId> ParseDomid(std::string_view text);
// The `target-domid` value: the domid in decimal, or empty when there is none.
std::string FormatTargetDomid(const std::optional<DomId>& domid);
// The `generation` value: decimal digits only; nullopt for anything else.
std::optional<std::uint64_t> ParseGeneration(std::string_view text);

}  // namespace virdomm::protocol
