#include "common/hex.h"

namespace virdomm {
namespace {

constexpr std::string_view kLowerDigits = "0123456789abcdef";
constexpr std::string_view kUpperDigits = "0123456789ABCDEF";

}  // namespace

void AppendHexByte(std::string& out, std::uint8_t byte, HexCase letters) {
  std::string_view digits = letters == HexCase::kUpper ? kUpperDigits : kLowerDigits;
  out += digits[byte >> 4U];
  out += digits[byte & 0xfU];
}

std::string HexEncode(std::span<const std::uint8_t> bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (std::uint8_t byte : bytes) {
    AppendHexByte(text, byte);
  }
  return text;
}

std::string HexEncode(std::string_view bytes) {
  return HexEncode(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string bytes(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    int high = HexDigitValue(hex[2 * i]);
    int low = HexDigitValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    bytes[i] = static_cast<char>(high * 16 + low);
  }
  return bytes;
}

bool IsLowerHex(std::string_view text) {
  return !text.empty() && text.find_first_not_of(kLowerDigits) == std::string_view::npos;
}

std::string HexNumber(std::uint64_t value, int width) {
  std::string digits;
  do {
    digits.insert(digits.begin(), kLowerDigits[value & 0xfU]);
    value >>= 4U;
  } while (value != 0);
  if (static_cast<int>(digits.size()) < width) {
    digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  }
  return "0x" + digits;
}

}  // namespace virdomm
