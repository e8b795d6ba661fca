// Bounds-checked little-endian reads from untrusted byte buffers (kernel images, guest memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/error.h"

namespace virdomm::monitor {

// True when [offset, offset + length) lies inside a buffer of `size` bytes (no overflow).
constexpr bool RangeFits(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

// Reads a little-endian integer at `offset`; throws Error naming `what` when out of bounds.
template <typename T>
T ReadLe(std::span<const uint8_t> bytes, uint64_t offset, const char* what) {
  static_assert(std::is_integral_v<T>);
  if (!RangeFits(offset, sizeof(T), bytes.size())) {
    throw Error(std::string("truncated data reading ") + what + " at offset " +
                std::to_string(offset) + " of " + std::to_string(bytes.size()) + " bytes");
  }
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;  // x86-64 only: host order is little-endian
}

// Same without throwing, for scanners that probe many candidate positions.
template <typename T>
bool TryReadLe(std::span<const uint8_t> bytes, uint64_t offset, T& value) {
  if (!RangeFits(offset, sizeof(T), bytes.size())) {
    return false;
  }
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return true;
}

// The NUL-terminated string at `offset`, at most `max_length` bytes; empty view if none fits.
inline std::string_view CStringAt(std::span<const uint8_t> bytes, uint64_t offset,
                                  std::size_t max_length) {
  if (offset >= bytes.size()) {
    return {};
  }
  std::size_t limit = std::min<std::size_t>(max_length, bytes.size() - offset);
  const char* start = reinterpret_cast<const char*>(bytes.data() + offset);
  const void* nul = std::memchr(start, 0, limit);
  if (nul == nullptr) {
    return {};
  }
  return {start, static_cast<std::size_t>(static_cast<const char*>(nul) - start)};
}

}  // namespace virdomm::monitor
