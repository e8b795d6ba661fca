#include "common/protocol/monitor_settings.h"

#include <algorithm>

#include "common/protocol/key_values.h"

namespace virdomm::protocol {

std::string FormatMemoryInterval(std::uint32_t interval_ms) { return std::to_string(interval_ms); }

std::optional<std::uint32_t> ParseMemoryInterval(std::string_view text) {
  std::optional<std::uint64_t> value = ParseDecimal(text);
  if (!value || *value < kMinMemoryIntervalMs || *value > kMaxMemoryIntervalMs) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*value);
}

std::string FormatMemoryRegions(const std::vector<std::string>& regions) {
  std::string out;
  for (const std::string& region : regions) {
    out += (out.empty() ? "" : " ") + region;
  }
  return out;
}

std::optional<std::vector<std::string>> ParseMemoryRegions(std::string_view text) {
  std::vector<std::string> regions;
  while (true) {
    std::size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    if (word != kKernelTextRegion && word != kKernelRodataRegion) {
      return std::nullopt;  // an unknown word, or an empty one (two spaces, leading, trailing)
    }
    if (std::find(regions.begin(), regions.end(), word) != regions.end()) {
      return std::nullopt;
    }
    regions.emplace_back(word);
    if (space == std::string_view::npos) {
      return regions;
    }
    text.remove_prefix(space + 1);
  }
}

std::optional<std::string> ParseStorageSource(std::string_view text) {
  if (text.empty()) {
    return std::string();
  }
  if (text.front() != '/' || text.find_first_of(std::string_view("\n\r\0", 3)) != text.npos) {
    return std::nullopt;
  }
  return std::string(text);
}

}  // namespace virdomm::protocol
