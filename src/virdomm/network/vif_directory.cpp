// Naming rules of netback and libvirt's libxl driver for a guest's dom0-side vifs.
#include "network/vif_directory.h"

#include <algorithm>
#include <charconv>

#include "common/error.h"
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
        std::string message = "Domain M " + std::to_string(monitor) + "'s NIC ";
        message += mac + " is backend " + std::to_string(devid);
        message += ", but this host has no device " + name;
        throw Error(message);
      }
      return name;
    }
  }
  throw Error("Domain M " + std::to_string(monitor) + " has no NIC with MAC " + mac +
              (hint.empty() ? "" : " (its domain XML names " + hint + ", not a device here)") +
              " among its vif backends in xenstore (/local/domain/0/backend/vif/" +
              std::to_string(monitor) + "/)");
}

}  // namespace virdomm
