// String tables for the pairing enums and UUID canonicalisation.
#include "pairing/pairing.h"

#include <array>
#include <cctype>
#include <utility>

namespace virdomm {

namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> Lookup(const std::array<std::pair<Enum, std::string_view>, N>& table,
                           std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view Name(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [v, name] : table) {
    if (v == value) {
      return name;
    }
  }
  return "unknown";
}

constexpr std::array<std::pair<PairingRole, std::string_view>, 2> kRoles{{
    {PairingRole::kMonitor, "monitor"},
    {PairingRole::kTarget, "target"},
}};
constexpr std::array<std::pair<GrantFailurePolicy, std::string_view>, 2> kPolicies{{
    {GrantFailurePolicy::kAbort, "abort"},
    {GrantFailurePolicy::kWarn, "warn"},
}};
constexpr std::array<std::pair<MoveOrder, std::string_view>, 2> kMoveOrders{{
    {MoveOrder::kDomuFirst, "domu-first"},
    {MoveOrder::kMonitorFirst, "monitor-first"},
}};
constexpr std::array<std::pair<MemoryRegion, std::string_view>, 2> kRegions{{
    {MemoryRegion::kKernelText, "kernel-text"},
    {MemoryRegion::kKernelRodata, "kernel-rodata"},
}};

}  // namespace

std::string_view ToString(PairingRole role) { return Name(kRoles, role); }
std::optional<PairingRole> ParsePairingRole(std::string_view text) { return Lookup(kRoles, text); }
std::string_view ToString(GrantFailurePolicy policy) { return Name(kPolicies, policy); }
std::optional<GrantFailurePolicy> ParseGrantFailurePolicy(std::string_view text) {
  return Lookup(kPolicies, text);
}
std::string_view ToString(MoveOrder order) { return Name(kMoveOrders, order); }
std::optional<MoveOrder> ParseMoveOrder(std::string_view text) { return Lookup(kMoveOrders, text); }
std::string_view ToString(MemoryRegion region) { return Name(kRegions, region); }
std::optional<MemoryRegion> ParseMemoryRegion(std::string_view text) {
  return Lookup(kRegions, text);
}

std::optional<std::string> CanonicalUuid(std::string_view text) {
  // libvirt prints 8-4-4-4-12; it also accepts 32 bare hex digits. Accept both, emit the former.
  std::string hex;
  for (char c : text) {
    if (c == '-') {
      continue;
    }
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
      return std::nullopt;
    }
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (hex.size() != 32) {
    return std::nullopt;
  }
  if (text.size() != 32 && (text.size() != 36 || text[8] != '-' || text[13] != '-' ||
                            text[18] != '-' || text[23] != '-')) {
    return std::nullopt;
  }
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string CanonicalUnicastMac(std::string_view text, std::string& why) {
  // Exactly "xx:xx:xx:xx:xx:xx": libvirt writes MACs this way, and one spelling keeps
  // comparisons with M's domain XML and xenstore's backend keys simple.
  if (text.size() != 17) {
    why = "is not a MAC address (expected six pairs of hex digits separated by ':')";
    return "";
  }
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool separator = i % 3 == 2;
    if (separator ? c != ':' : std::isxdigit(static_cast<unsigned char>(c)) == 0) {
      why = "is not a MAC address (expected six pairs of hex digits separated by ':')";
      return "";
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  // The group bit is the lowest bit of the first octet.
  const int first = std::stoi(out.substr(0, 2), nullptr, 16);
  if ((first & 1) != 0) {
    why = "is a multicast address (a NIC's own MAC is unicast: the first octet is even)";
    return "";
  }
  why.clear();
  return out;
}

}  // namespace virdomm
