// A libvirt connection and the domain operations virdomm needs: lookup as virsh does it,
// definitions, and the pairing metadata element.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libvirt/libvirt_handles.h"

namespace virdomm {

// Which definitions a metadata write touches.
enum class MetadataScope { kLive, kConfig, kLiveAndConfig };
std::string_view ToString(MetadataScope scope);

// One domain on a connection (owns its virDomainPtr).
class Domain {
 public:
  explicit Domain(DomainHandle handle);

  [[nodiscard]] const std::string& Name() const { return name_; }
  [[nodiscard]] const std::string& Uuid() const { return uuid_; }
  [[nodiscard]] bool IsRunning() const;
  [[nodiscard]] bool IsPersistent() const;

  // The live definition (or the only one, when shut off).
  [[nodiscard]] std::string LiveXml() const;
  // The saved config; nullopt for a transient domain.
  [[nodiscard]] std::optional<std::string> ConfigXml() const;

  // What a write should touch: live and config while running (config only for a running
  // transient domain is impossible, so live), config when shut off.
  [[nodiscard]] MetadataScope WriteScope() const;

  // The pairing element of the chosen definition, namespace re-attached so ParsePairing
  // reads it (libvirt returns it stripped); nullopt when there is none.
  [[nodiscard]] std::optional<std::string> GetPairingMetadata(MetadataScope which) const;
  // Writes (or, with nullopt, removes) the pairing element in the given definitions.
  void SetPairingMetadata(const std::optional<std::string>& element_xml, MetadataScope scope);

  [[nodiscard]] virDomainPtr Raw() const { return handle_.get(); }

 private:
  DomainHandle handle_;
  std::string name_;
  std::string uuid_;
};

class Connection {
 public:
  enum class Access { kReadWrite, kReadOnly };
  // Opens `uri`, or libvirt's default URI (LIBVIRT_DEFAULT_URI, libvirt.conf, probing) when
  // nullopt. Read-only is enough to look (show, list, check) and needs fewer rights.
  // Throws LibvirtError.
  explicit Connection(const std::optional<std::string>& uri, Access access = Access::kReadWrite);

  // By id, then UUID, then name, as virsh does. Throws LibvirtError naming `ref`.
  [[nodiscard]] Domain LookupDomain(const std::string& ref) const;
  // nullopt when no domain has this UUID.
  [[nodiscard]] std::optional<Domain> FindByUuid(const std::string& uuid) const;
  // Every domain, running or not.
  [[nodiscard]] std::vector<Domain> ListDomains() const;

  // Defines (or redefines) a persistent domain from XML.
  Domain DefineXml(const std::string& xml) const;

  [[nodiscard]] std::string Uri() const;
  [[nodiscard]] virConnectPtr Raw() const { return handle_.get(); }

 private:
  ConnectHandle handle_;
};

}  // namespace virdomm
