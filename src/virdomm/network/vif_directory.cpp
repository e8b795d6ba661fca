// Naming rules of netback and libvirt's libxl driver for a guest's dom0-side vifs.
#include "network/vif_directory.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include "common/error.h"
#include "common/xenstore/xenstore_calls.h"
#include "common/xml_doc.h"
#include "pairing/pairing.h"

namespace virdomm {

namespace {

// "<digits>" in full, as a devid.
std::optional<int> ParseDevid(std::string_view text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

const xmlNode* ChildElement(const xmlNode* parent, const char* name) {
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (XmlIsElement(c, name, nullptr)) {
      return c;
    }
  }
  return nullptr;
}

}  // namespace

std::string VifName(protocol::DomId domid, int devid) {
  return "vif" + std::to_string(domid) + "." + std::to_string(devid);
}

std::vector<std::string> DomainVifs(const std::vector<std::string>& names, protocol::DomId domid) {
  const std::string prefix = "vif" + std::to_string(domid) + ".";
  std::vector<std::string> vifs;
  for (const std::string& name : names) {
    if (name.rfind(prefix, 0) != 0) {
      continue;
    }
    std::string_view devid = std::string_view(name).substr(prefix.size());
    if (devid.size() > 4 && devid.substr(devid.size() - 4) == "-emu") {
      devid.remove_suffix(4);
    }
    if (ParseDevid(devid)) {
      vifs.push_back(name);
    }
  }
  std::sort(vifs.begin(), vifs.end());
  return vifs;
}

namespace {

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
    if (auto dev = target != nullptr ? XmlAttr(target, "dev") : std::nullopt; dev && !dev->empty()) {
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

std::string FindMirrorVif(VifDirectory& directory, protocol::DomId monitor, const std::string& mac,
                          const std::string& hint) {
  std::vector<std::string> devices = directory.DeviceNames();
  std::vector<std::string> ours = DomainVifs(devices, monitor);
  auto present = [&](const std::string& name) {
    return std::find(ours.begin(), ours.end(), name) != ours.end();
  };
  // Domain M is PV: its NICs are netback vifs, never -emu taps.
  if (!hint.empty() && present(hint) && hint.find("-emu") == std::string::npos) {
    return hint;
  }
  for (const auto& [devid, backend_mac] : directory.BackendMacs(monitor)) {
    std::string why;
    if (CanonicalUnicastMac(backend_mac, why) == mac) {
      std::string name = VifName(monitor, devid);
      if (!present(name)) {
        throw Error("Domain M " + std::to_string(monitor) + "'s NIC " + mac + " is backend " +
                    std::to_string(devid) + ", but this host has no device " + name);
      }
      return name;
    }
  }
  throw Error("Domain M " + std::to_string(monitor) + " has no NIC with MAC " + mac +
              (hint.empty() ? "" : " (its domain XML names " + hint + ", not a device here)") +
              " among its vif backends in xenstore (/local/domain/0/backend/vif/" +
              std::to_string(monitor) + "/)");
}

std::vector<std::string> SystemVifDirectory::DeviceNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net", ec)) {
    names.push_back(entry.path().filename().string());
  }
  if (ec) {
    throw Error("listing /sys/class/net: " + ec.message());
  }
  return names;
}

std::vector<std::pair<int, std::string>> SystemVifDirectory::BackendMacs(protocol::DomId domid) {
  XenstoreHandle xs = OpenXenstore("vif backends");
  const std::string dir = "/local/domain/0/backend/vif/" + std::to_string(domid);
  std::vector<std::pair<int, std::string>> macs;
  for (const std::string& entry : ListXenstoreDirectory(xs.get(), dir)) {
    auto devid = ParseDevid(entry);
    if (!devid) {
      continue;
    }
    if (auto mac = ReadXenstoreKey(xs.get(), dir + "/" + entry + "/mac")) {
      macs.emplace_back(*devid, *mac);
    }
  }
  return macs;
}

}  // namespace virdomm
