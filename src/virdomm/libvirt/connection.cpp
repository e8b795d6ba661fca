// libvirt calls behind Connection and Domain; every failure names the domain and what to do.
#include "libvirt/connection.h"

#include <libvirt/virterror.h>

#include <charconv>
#include <cstdlib>

#include "common/xml_doc.h"
#include "pairing/pairing.h"

namespace virdomm {

namespace {

void FreeCString(char* text) { std::free(text); }  // NOLINT: libvirt strings are malloc'd
using CString = UniqueHandle<char, FreeCString>;

unsigned int FlagsOf(MetadataScope scope) {
  switch (scope) {
    case MetadataScope::kLive:
      return VIR_DOMAIN_AFFECT_LIVE;
    case MetadataScope::kConfig:
      return VIR_DOMAIN_AFFECT_CONFIG;
    case MetadataScope::kLiveAndConfig:
      return VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
  }
  return VIR_DOMAIN_AFFECT_CURRENT;
}

// libvirt hands the element back with its namespace stripped; put every element back into
// ours (libvirt had put every element of the snippet into it when it was written).
void AttachNamespace(xmlNode* node, xmlNs* ns) {
  for (; node != nullptr; node = node->next) {
    if (node->type == XML_ELEMENT_NODE) {
      xmlSetNs(node, ns);
      AttachNamespace(node->children, ns);
    }
  }
}

std::string WithOurNamespace(const std::string& stripped, const std::string& domain) {
  XmlDoc doc = ParseXml(stripped, "pairing metadata of domain '" + domain + "'");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  // libvirt may leave the xmlns:virdomm declaration on the stripped root; reuse it.
  xmlNs* ns =
      xmlSearchNsByHref(doc.get(), root, reinterpret_cast<const xmlChar*>(kPairingNamespace));
  if (ns == nullptr) {
    ns = xmlNewNs(root, reinterpret_cast<const xmlChar*>(kPairingNamespace),
                  reinterpret_cast<const xmlChar*>(kPairingKey));
  }
  if (ns == nullptr) {
    throw Error("reading pairing metadata of domain '" + domain + "': out of memory");
  }
  AttachNamespace(root, ns);
  return XmlNodeToString(doc.get(), root);
}

// libvirt wants the element without a namespace: it declares xmlns:<key> on the root itself
// and fails ("failed to create a new XML namespace") when the snippet already declares that
// prefix. Strip ours; libvirt puts every element back into it.
void DetachNamespace(xmlNode* node) {
  for (; node != nullptr; node = node->next) {
    if (node->type == XML_ELEMENT_NODE) {
      xmlSetNs(node, nullptr);
      DetachNamespace(node->children);
    }
  }
}

void FreeNamespaceDeclarations(xmlNode* node) {
  for (; node != nullptr; node = node->next) {
    if (node->type == XML_ELEMENT_NODE) {
      if (node->nsDef != nullptr) {
        xmlFreeNsList(node->nsDef);
        node->nsDef = nullptr;
      }
      FreeNamespaceDeclarations(node->children);
    }
  }
}

std::string WithoutNamespace(const std::string& element_xml, const std::string& domain) {
  XmlDoc doc = ParseXml(element_xml, "pairing metadata for domain '" + domain + "'");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  DetachNamespace(root);
  FreeNamespaceDeclarations(root);
  return XmlNodeToString(doc.get(), root);
}

}  // namespace

std::string_view ToString(MetadataScope scope) {
  switch (scope) {
    case MetadataScope::kLive:
      return "live";
    case MetadataScope::kConfig:
      return "config";
    case MetadataScope::kLiveAndConfig:
      return "live+config";
  }
  return "unknown";
}

Domain::Domain(DomainHandle handle) : handle_(std::move(handle)) {
  const char* name = virDomainGetName(handle_.get());
  if (name == nullptr) {
    ThrowLibvirt("reading a domain's name");
  }
  name_ = name;
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  if (virDomainGetUUIDString(handle_.get(), uuid) < 0) {
    ThrowLibvirt("reading the UUID of domain '" + name_ + "'");
  }
  uuid_ = uuid;
}

bool Domain::IsRunning() const {
  int active = virDomainIsActive(handle_.get());
  if (active < 0) {
    ThrowLibvirt("asking whether domain '" + name_ + "' is running",
                 "Was it undefined meanwhile? Check with `virsh list --all`");
  }
  return active == 1;
}

bool Domain::IsPersistent() const {
  int persistent = virDomainIsPersistent(handle_.get());
  if (persistent < 0) {
    ThrowLibvirt("asking whether domain '" + name_ + "' is persistent",
                 "Was it undefined meanwhile? Check with `virsh list --all`");
  }
  return persistent == 1;
}

std::string Domain::LiveXml() const {
  CString xml(virDomainGetXMLDesc(handle_.get(), 0));
  if (!xml) {
    ThrowLibvirt("reading the definition of domain '" + name_ + "'");
  }
  return xml.get();
}

std::optional<std::string> Domain::ConfigXml() const {
  if (!IsPersistent()) {
    return std::nullopt;
  }
  CString xml(virDomainGetXMLDesc(handle_.get(), VIR_DOMAIN_XML_INACTIVE));
  if (!xml) {
    ThrowLibvirt("reading the saved config of domain '" + name_ + "'");
  }
  return std::string(xml.get());
}

MetadataScope Domain::WriteScope() const {
  if (!IsRunning()) {
    return MetadataScope::kConfig;
  }
  return IsPersistent() ? MetadataScope::kLiveAndConfig : MetadataScope::kLive;
}

std::optional<std::string> Domain::GetPairingMetadata(MetadataScope which) const {
  CString xml(virDomainGetMetadata(handle_.get(), VIR_DOMAIN_METADATA_ELEMENT, kPairingNamespace,
                                   FlagsOf(which)));
  if (!xml) {
    virErrorPtr err = virGetLastError();
    if (err != nullptr && err->code == VIR_ERR_NO_DOMAIN_METADATA) {
      virResetLastError();
      return std::nullopt;
    }
    ThrowLibvirt("reading the " + std::string(ToString(which)) + " pairing metadata of domain '" +
                 name_ + "'");
  }
  return WithOurNamespace(xml.get(), name_);
}

void Domain::SetPairingMetadata(const std::optional<std::string>& element_xml,
                                MetadataScope scope) {
  std::optional<std::string> plain;
  if (element_xml) {
    plain = WithoutNamespace(*element_xml, name_);
  }
  const char* xml = plain ? plain->c_str() : nullptr;
  if (virDomainSetMetadata(handle_.get(), VIR_DOMAIN_METADATA_ELEMENT, xml,
                           xml != nullptr ? kPairingKey : nullptr, kPairingNamespace,
                           FlagsOf(scope)) < 0) {
    ThrowLibvirt(std::string(element_xml ? "writing" : "removing") + " the " +
                     std::string(ToString(scope)) + " pairing metadata of domain '" + name_ + "'",
                 "Check that the domain still exists and that you may change it "
                 "(`virsh -c URI dominfo " +
                     name_ + "`)");
  }
}

Connection::Connection(const std::optional<std::string>& uri, Access access)
    : handle_(access == Access::kReadOnly ? virConnectOpenReadOnly(uri ? uri->c_str() : nullptr)
                                          : virConnectOpen(uri ? uri->c_str() : nullptr)) {
  if (!handle_) {
    ThrowLibvirt("connecting to " + (uri ? "'" + *uri + "'" : std::string("libvirt's default URI")),
                 "Is libvirtd (or virtxend) running and may you use it? Name the hypervisor "
                 "with -c URI, e.g. -c xen:///system");
  }
}

Domain Connection::LookupDomain(const std::string& ref) const {
  const std::string uri = Uri();  // before the lookups: any libvirt call resets the last error
  // virsh's order: a non-negative number is an id, then a UUID, then a name.
  int id = -1;
  auto [ptr, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), id);
  if (ec == std::errc() && ptr == ref.data() + ref.size() && id >= 0) {
    if (DomainHandle d{virDomainLookupByID(handle_.get(), id)}) {
      return Domain(std::move(d));
    }
  }
  if (DomainHandle d{virDomainLookupByUUIDString(handle_.get(), ref.c_str())}) {
    return Domain(std::move(d));
  }
  if (DomainHandle d{virDomainLookupByName(handle_.get(), ref.c_str())}) {
    return Domain(std::move(d));
  }
  ThrowLibvirt("looking up domain '" + ref + "' by id, UUID and name",
               "See `virsh -c '" + uri + "' list --all` for the domains there are");
}

std::optional<Domain> Connection::FindByUuid(const std::string& uuid) const {
  DomainHandle d{virDomainLookupByUUIDString(handle_.get(), uuid.c_str())};
  if (!d) {
    virErrorPtr err = virGetLastError();
    if (err == nullptr || err->code == VIR_ERR_NO_DOMAIN || err->code == VIR_ERR_INVALID_ARG) {
      virResetLastError();
      return std::nullopt;
    }
    ThrowLibvirt("looking up domain with UUID " + uuid);
  }
  return Domain(std::move(d));
}

std::vector<Domain> Connection::ListDomains() const {
  const std::string uri = Uri();  // before the call: any libvirt call resets the last error
  virDomainPtr* raw = nullptr;
  int n = virConnectListAllDomains(handle_.get(), &raw, 0);
  if (n < 0) {
    ThrowLibvirt("listing the domains on " + uri);
  }
  // Take ownership of every handle first, so nothing leaks if a later one throws.
  std::vector<DomainHandle> handles;
  handles.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    handles.emplace_back(raw[i]);
  }
  std::free(raw);  // NOLINT: allocated by libvirt
  std::vector<Domain> domains;
  domains.reserve(handles.size());
  for (auto& h : handles) {
    domains.emplace_back(std::move(h));
  }
  return domains;
}

Domain Connection::DefineXml(const std::string& xml) const {
  const std::string uri = Uri();  // before the call: any libvirt call resets the last error
  DomainHandle d{virDomainDefineXML(handle_.get(), xml.c_str())};
  if (!d) {
    ThrowLibvirt("defining a domain on " + uri, "Check the XML with `virt-xml-validate`");
  }
  return Domain(std::move(d));
}

std::string Connection::Uri() const {
  CString uri(virConnectGetURI(handle_.get()));
  if (!uri) {
    virResetLastError();
    return "(unknown URI)";
  }
  return uri.get();
}

}  // namespace virdomm
