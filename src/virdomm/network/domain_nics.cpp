// Reading <devices><interface> of a domain XML for the NIC with a given MAC.
#include "network/domain_nics.h"

#include "common/error.h"
#include "common/xml_doc.h"
#include "pairing/pairing.h"

namespace virdomm {

namespace {

const xmlNode* ChildElement(const xmlNode* parent, const char* name) {
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (XmlIsElement(c, name, nullptr)) {
      return c;
    }
  }
  return nullptr;
}

// The <interface> with this MAC in a domain XML; `found` false when there is none.
struct NicInXml {
  bool found = false;
  std::optional<std::string> target_dev;
};

NicInXml FindNic(std::string_view domain_xml, const std::string& mac) {
  XmlDoc doc;
  try {
    doc = ParseXml(domain_xml, "domain XML");
  } catch (const Error&) {
    return {};
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  const xmlNode* devices = root != nullptr ? ChildElement(root, "devices") : nullptr;
  if (devices == nullptr) {
    return {};
  }
  for (const xmlNode* nic = devices->children; nic != nullptr; nic = nic->next) {
    if (!XmlIsElement(nic, "interface", nullptr)) {
      continue;
    }
    const xmlNode* mac_node = ChildElement(nic, "mac");
    std::string why;
    if (mac_node == nullptr ||
        CanonicalUnicastMac(XmlAttr(mac_node, "address").value_or(""), why) != mac) {
      continue;
    }
    NicInXml result{true, std::nullopt};
    const xmlNode* target = ChildElement(nic, "target");
    if (auto dev = target != nullptr ? XmlAttr(target, "dev") : std::nullopt;
        dev && !dev->empty()) {
      result.target_dev = dev;
    }
    return result;
  }
  return {};
}

}  // namespace

bool MacInDomainXml(std::string_view domain_xml, const std::string& mac) {
  return FindNic(domain_xml, mac).found;
}

std::optional<std::string> VifOfMacInDomainXml(std::string_view domain_xml,
                                               const std::string& mac) {
  return FindNic(domain_xml, mac).target_dev;
}

}  // namespace virdomm
