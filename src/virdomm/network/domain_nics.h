// Domain M's NICs as its libvirt domain XML describes them: which one has the mirror MAC, and
// the vif libvirt's libxl driver named for it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace virdomm {

// True when the domain XML has an <interface> with this MAC.
bool MacInDomainXml(std::string_view domain_xml, const std::string& mac);

// The vif named by libvirt's <target dev='vifN.M'/> for the NIC with `mac` in a domain XML,
// nullopt when the XML has no such NIC or names no target for it.
std::optional<std::string> VifOfMacInDomainXml(std::string_view domain_xml, const std::string& mac);

}  // namespace virdomm
