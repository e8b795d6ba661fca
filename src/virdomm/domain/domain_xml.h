// The facts virdomm needs from a libvirt domain XML: identity, guest type, pairing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pairing/pairing.h"

namespace virdomm {

// How Xen runs the guest; decides what set_target and foreign mapping allow (Xen 4.17).
enum class GuestKind { kPv, kPvh, kHvm, kUnknown };
std::string_view ToString(GuestKind kind);

struct DomainFacts {
  std::string name;
  std::string uuid;        // canonical form
  std::optional<int> id;   // only while running
  std::string hypervisor;  // <domain type='...'>: "xen", "test", ...
  GuestKind kind = GuestKind::kUnknown;
  std::optional<Pairing> pairing;  // absent when there is no pairing element
  std::string pairing_error;       // set when a pairing element exists but is malformed
};

// Parses a <domain> document. Throws Error when it is not a domain with a name and UUID;
// malformed pairing metadata is reported in `pairing_error`, not thrown, so callers can
// decide by policy.
DomainFacts ParseDomainXml(std::string_view domain_xml);

}  // namespace virdomm
