// Hexadecimal text in one place: bytes to and from hex digits, "0x" numbers, and the check
// that a string is lower-case hex (spool ids, digests). Both dom0 and Domain M use it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace virdomm {

enum class HexCase { kLower, kUpper };

// Appends the two digits of `byte` ("0a", or "0A" with kUpper).
void AppendHexByte(std::string& out, std::uint8_t byte, HexCase letters = HexCase::kLower);

// Two lower-case digits per byte: {0x0a, 0xff} -> "0aff".
std::string HexEncode(std::span<const std::uint8_t> bytes);
std::string HexEncode(std::string_view bytes);

// The value of one hex digit, either case; -1 for any other character.
int HexDigitValue(char c);

// Two digits (either case) per byte; nullopt for an odd length or a character that is no digit.
std::optional<std::string> HexDecode(std::string_view hex);

// True when `text` is not empty and holds nothing but 0-9 and a-f.
bool IsLowerHex(std::string_view text);

// "0x1f00" (no padding); with `width` > 0 the digits are zero-padded to that many.
std::string HexNumber(std::uint64_t value, int width = 0);

}  // namespace virdomm
