// Reading and writing the <virdomm:pairing> element, on its own or inside domain XML.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/xml_doc.h"
#include "pairing/pairing.h"

namespace virdomm {

// Malformed or inconsistent pairing metadata; the message names the element and the fault.
class PairingError : public Error {
 public:
  using Error::Error;
};

// Parses one pairing element (as `virsh metadata --key virdomm URI` prints it).
// Throws PairingError on anything that is not a well-formed, complete pairing.
Pairing ParsePairing(std::string_view element_xml);

// Same, over an element already in a parsed tree.
Pairing ParsePairingNode(const xmlNode* element);

// The pairing element inside a parsed <domain>'s <metadata>, or nullptr when there is none.
// Throws PairingError when there is more than one.
const xmlNode* FindPairingNode(const xmlDoc* domain_doc);

// The element text for virDomainSetMetadata: every element prefixed with kPairingKey, the
// namespace declared on the root (the form libvirt stores and `virsh dumpxml` shows).
std::string EmitPairing(const Pairing& pairing);

}  // namespace virdomm
