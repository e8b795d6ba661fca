// Extracts identity, guest kind and pairing from libvirt domain XML.
#include "domain/domain_xml.h"

#include <charconv>

#include "common/error.h"
#include "common/xml_doc.h"
#include "pairing/pairing_xml.h"

namespace virdomm {

std::string_view ToString(GuestKind kind) {
  switch (kind) {
    case GuestKind::kPv:
      return "PV";
    case GuestKind::kPvh:
      return "PVH";
    case GuestKind::kHvm:
      return "HVM";
    case GuestKind::kUnknown:
      break;
  }
  return "unknown";
}

namespace {

const xmlNode* Child(const xmlNode* parent, const char* name) {
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (XmlIsElement(c, name, nullptr)) {
      return c;
    }
  }
  return nullptr;
}

// libvirt's Xen drivers spell PV as os type "linux" or "xen", PVH as "xenpvh", HVM as "hvm".
GuestKind KindFromOsType(const std::string& os_type, const std::string& machine) {
  if (os_type == "hvm") {
    return GuestKind::kHvm;
  }
  if (os_type == "xenpvh" || machine == "xenpvh") {
    return GuestKind::kPvh;
  }
  if (os_type == "linux" || os_type == "xen") {
    return GuestKind::kPv;
  }
  return GuestKind::kUnknown;
}

}  // namespace

DomainFacts ParseDomainXml(std::string_view domain_xml) {
  XmlDoc doc = ParseXml(domain_xml, "domain XML");
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!XmlIsElement(root, "domain", nullptr)) {
    throw Error("domain XML: root element is not <domain>");
  }
  DomainFacts facts;
  facts.hypervisor = XmlAttr(root, "type").value_or("");
  if (auto id = XmlAttr(root, "id")) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(id->data(), id->data() + id->size(), value);
    if (ec == std::errc() && ptr == id->data() + id->size() && value >= 0) {
      facts.id = value;
    }
  }
  const xmlNode* name = Child(root, "name");
  const xmlNode* uuid = Child(root, "uuid");
  if (name == nullptr || uuid == nullptr) {
    throw Error("domain XML: <domain> lacks <name> or <uuid>");
  }
  facts.name = XmlText(name);
  auto canonical = CanonicalUuid(XmlText(uuid));
  if (!canonical) {
    throw Error("domain XML: <uuid>" + XmlText(uuid) + "</uuid> is not a UUID");
  }
  facts.uuid = *canonical;
  if (const xmlNode* os = Child(root, "os")) {
    if (const xmlNode* type = Child(os, "type")) {
      facts.kind = KindFromOsType(XmlText(type), XmlAttr(type, "machine").value_or(""));
    }
  }
  try {
    if (const xmlNode* node = FindPairingNode(doc.get())) {
      facts.pairing = ParsePairingNode(node);
    }
  } catch (const PairingError& e) {
    facts.pairing_error = e.what();
  }
  return facts;
}

}  // namespace virdomm
