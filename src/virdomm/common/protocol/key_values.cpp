#include "common/protocol/key_values.h"

#include <charconv>
#include <system_error>

namespace virdomm::protocol {

std::optional<std::uint64_t> ParseDecimal(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::optional<DomId> ParseDomid(std::string_view text) {
  std::optional<std::uint64_t> value = ParseDecimal(text);
  if (!value || *value == 0 || *value > kMaxDomid) {
    return std::nullopt;
  }
  return static_cast<DomId>(*value);
}

std::string FormatTargetDomid(const std::optional<DomId>& domid) {
  return domid ? std::to_string(*domid) : std::string();
}

std::optional<std::uint64_t> ParseGeneration(std::string_view text) { return ParseDecimal(text); }

}  // namespace virdomm::protocol
