// Hexadecimal text for addresses and bytes in messages and reports, in one place.
#pragma once

#include <cstdint>
#include <string>

namespace virdomm::monitor {

// "0x1f00" (no padding); with `width` > 0 the digits are zero-padded to that many.
inline std::string HexNumber(uint64_t value, int width = 0) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string digits;
  do {
    digits.insert(digits.begin(), kDigits[value & 0xf]);
    value >>= 4;
  } while (value != 0);
  while (static_cast<int>(digits.size()) < width) {
    digits.insert(digits.begin(), '0');
  }
  return "0x" + digits;
}

}  // namespace virdomm::monitor
