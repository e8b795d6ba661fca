// The pairing metadata model: what one domain's <virdomm:pairing> element says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virdomm {

// The namespace URI and the key (prefix) under which libvirt stores our metadata element.
inline constexpr const char* kPairingNamespace = "urn:virdomm:pairing:1";
inline constexpr const char* kPairingKey = "virdomm";

enum class PairingRole { kMonitor, kTarget };
std::string_view ToString(PairingRole role);
std::optional<PairingRole> ParsePairingRole(std::string_view text);

// What the hook does when it cannot grant Domain M its rights on `started`.
enum class GrantFailurePolicy { kAbort, kWarn };
std::string_view ToString(GrantFailurePolicy policy);
std::optional<GrantFailurePolicy> ParseGrantFailurePolicy(std::string_view text);

// Which member of the pair moves first when the pair moves to another host. DomU first
// measured the shorter blind window on the rig (DomU runs unwatched only while Domain M
// follows it); the hook can enforce an order on incoming moves (`<policy order=...>`).
enum class MoveOrder { kDomuFirst, kMonitorFirst };
std::string_view ToString(MoveOrder order);
std::optional<MoveOrder> ParseMoveOrder(std::string_view text);

// Memory regions the monitor checks.
enum class MemoryRegion { kKernelText, kKernelRodata };
std::string_view ToString(MemoryRegion region);
std::optional<MemoryRegion> ParseMemoryRegion(std::string_view text);

// The other member of the pair, named by UUID (authoritative) and name (for humans).
struct PartnerRef {
  std::string uuid;  // canonical lower-case 8-4-4-4-12 form
  std::string name;
  bool operator==(const PartnerRef&) const = default;
};

// DomU's disk image as Domain M sees it (monitor side only).
struct StorageSpec {
  std::string source;
  std::string format = "raw";
  bool operator==(const StorageSpec&) const = default;
};

struct MemorySpec {
  std::vector<MemoryRegion> regions = {MemoryRegion::kKernelText, MemoryRegion::kKernelRodata};
  std::uint32_t interval_ms = 1000;
  bool operator==(const MemorySpec&) const = default;
};

// Domain M's own receive-only NIC that gets a copy of DomU's traffic (monitor side only). The
// hook finds M's dom0-side vif for it by this MAC, the guest's, not the vif's own
// (netback gives every vif fe:ff:ff:ff:ff:ff).
struct NetworkSpec {
  std::string mirror_mac;  // canonical lower-case aa:bb:cc:dd:ee:ff, unicast
  bool operator==(const NetworkSpec&) const = default;
};

inline constexpr std::uint32_t kMinIntervalMs = 10;
inline constexpr std::uint32_t kMaxIntervalMs = 86'400'000;

struct Pairing {
  PairingRole role = PairingRole::kTarget;
  PartnerRef partner;
  std::optional<StorageSpec> storage;  // monitor only
  std::optional<MemorySpec> memory;    // monitor only
  std::optional<NetworkSpec> network;  // monitor only
  GrantFailurePolicy on_grant_failure = GrantFailurePolicy::kAbort;
  // The order the destination's hook lets the members arrive in; nullopt: any order.
  std::optional<MoveOrder> move_order;
  bool operator==(const Pairing&) const = default;
};

// Canonical form of a UUID (lower case, dashed) or nullopt when `text` is not a UUID.
std::optional<std::string> CanonicalUuid(std::string_view text);

// Canonical form of an Ethernet MAC (six colon-separated pairs of hex digits, lower case), or
// an empty string with the reason in `why`: not a MAC, or a multicast/broadcast address (a
// NIC's own address never is one).
std::string CanonicalUnicastMac(std::string_view text, std::string& why);

}  // namespace virdomm
