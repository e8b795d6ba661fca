// The monitor's settings the dom0 hook publishes from Domain M's pairing beside its binding
// (libvirt-hooks/PROTOCOL.md "Xenstore keys"): how often and what of DomU's memory to check,
// and DomU's disk image as Domain M sees it. Their value forms and parsing, for both ends.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol/xenstore_keys.h"

namespace virdomm::protocol {

// The keys, each relative to kBindingDirectory, written in the binding's transaction.
inline constexpr std::string_view kMemoryIntervalKey = "memory-interval-ms";
inline constexpr std::string_view kMemoryRegionsKey = "memory-regions";
inline constexpr std::string_view kStorageSourceKey = "storage-source";
inline constexpr std::array<std::string_view, 3> kSettingsKeys = {
    kMemoryIntervalKey, kMemoryRegionsKey, kStorageSourceKey};

// The region names of `memory-regions` (the pairing's <memory regions> words).
inline constexpr std::string_view kKernelTextRegion = "kernel-text";
inline constexpr std::string_view kKernelRodataRegion = "kernel-rodata";
// The interval bounds of the pairing grammar (xml-schemas/pairing.rng).
inline constexpr std::uint32_t kMinMemoryIntervalMs = 10;
inline constexpr std::uint32_t kMaxMemoryIntervalMs = 86'400'000;

// What the hook publishes. The hook fills the memory values with the schema's defaults when
// the pairing has no <memory>; `storage_source` is empty when it has no <storage>.
struct MonitorSettings {
  std::uint32_t memory_interval_ms = 1000;
  std::vector<std::string> memory_regions = {std::string(kKernelTextRegion),
                                             std::string(kKernelRodataRegion)};
  std::string storage_source;
  bool operator==(const MonitorSettings&) const = default;
};

// `memory-interval-ms`: decimal digits, kMinMemoryIntervalMs..kMaxMemoryIntervalMs.
std::string FormatMemoryInterval(std::uint32_t interval_ms);
std::optional<std::uint32_t> ParseMemoryInterval(std::string_view text);
// `memory-regions`: region names separated by one space, each known and at most once, at
// least one.
std::string FormatMemoryRegions(const std::vector<std::string>& regions);
std::optional<std::vector<std::string>> ParseMemoryRegions(std::string_view text);
// `storage-source`: a path as Domain M sees it, absolute, one line; empty for none.
std::optional<std::string> ParseStorageSource(std::string_view text);

}  // namespace virdomm::protocol
