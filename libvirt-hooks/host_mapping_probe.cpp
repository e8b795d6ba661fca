#include "host_mapping_probe.h"

#include <charconv>
#include <fstream>

namespace virdomm {
namespace {

// The first Xen that lets a translated (PVH/HVM) domain map its set_target target's pages.
constexpr int kPvhMapperMajor = 4;
constexpr int kPvhMapperMinor = 19;

std::optional<std::string> ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return std::nullopt;
  }
  return line;
}

std::optional<int> ParseNumber(const std::string& text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::string Describe(const XenVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + v.extra;
}

}  // namespace

std::optional<XenVersion> ReadHypervisorVersion(const std::string& dir, std::string& error) {
  std::optional<std::string> major = ReadLine(dir + "/major");
  std::optional<std::string> minor = ReadLine(dir + "/minor");
  if (!major || !minor) {
    error = "cannot read the hypervisor's version from " + dir;
    return std::nullopt;
  }
  std::optional<int> major_value = ParseNumber(*major);
  std::optional<int> minor_value = ParseNumber(*minor);
  if (!major_value || !minor_value) {
    error = dir + " holds no version number ('" + *major + "." + *minor + "')";
    return std::nullopt;
  }
  return XenVersion{*major_value, *minor_value, ReadLine(dir + "/extra").value_or("")};
}

std::string MonitorMappingFault(GuestKind kind, const std::optional<XenVersion>& version,
                                const std::string& version_error) {
  if (kind != GuestKind::kPvh && kind != GuestKind::kHvm) {
    return "";  // PV, or unknown: the bind says more once the domain runs
  }
  const std::string what = "a " + std::string(ToString(kind)) + " Domain M";
  const std::string since =
      "Xen " + std::to_string(kPvhMapperMajor) + "." + std::to_string(kPvhMapperMinor);
  if (!version) {
    return what + " needs " + since + " or later to map its target, and " + version_error;
  }
  if (version->major > kPvhMapperMajor ||
      (version->major == kPvhMapperMajor && version->minor >= kPvhMapperMinor)) {
    // Xen lets it map, but its foreign mappings are entries of its own p2m, which virdomm's
    // xen-privcmd does not drop at suspend: a save or migration would carry them to a host
    // where they name someone else's frames, or none.
    return what + " maps its target on Xen " + Describe(*version) +
           ", but virdomm's xen-privcmd carries its mappings through save and migration only "
           "in a PV guest (run Domain M as a PV guest)";
  }
  return what + " can map its target's memory only on " + since +
         " or later, and this host runs Xen " + Describe(*version) +
         " (run Domain M as a PV guest here)";
}

std::string HostMappingFault(const DomainFacts& domain) {
  if (!domain.pairing || domain.pairing->role != PairingRole::kMonitor) {
    return "";
  }
  std::string error;
  std::optional<XenVersion> version;
  if (domain.kind == GuestKind::kPvh || domain.kind == GuestKind::kHvm) {
    version = ReadHypervisorVersion("/sys/hypervisor/version", error);
  }
  return MonitorMappingFault(domain.kind, version, error);
}

}  // namespace virdomm
