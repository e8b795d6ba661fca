// Hex text: encoding, decoding either case, the lower-case check and "0x" numbers.
#include "common/hex.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

namespace virdomm {
namespace {

TEST(HexTest, EncodesEveryByteAsTwoLowerCaseDigits) {
  std::array<std::uint8_t, 4> bytes{0x00, 0x0a, 0xab, 0xff};
  EXPECT_EQ(HexEncode(bytes), "000aabff");
  EXPECT_EQ(HexEncode(std::string("\x01\xfe", 2)), "01fe");
  EXPECT_EQ(HexEncode(std::string()), "");
  std::string out = "%";
  AppendHexByte(out, 0xc3, HexCase::kUpper);
  EXPECT_EQ(out, "%C3");
}

TEST(HexTest, DecodesEitherCaseAndRefusesOddOrForeignText) {
  EXPECT_EQ(HexDecode("000aABff"), std::string("\x00\x0a\xab\xff", 4));
  EXPECT_EQ(HexDecode(""), std::string());
  EXPECT_EQ(HexDecode("abc"), std::nullopt);
  EXPECT_EQ(HexDecode("0g"), std::nullopt);
  EXPECT_EQ(HexDecode("0x"), std::nullopt);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('/'), -1);
  for (int byte = 0; byte < 256; ++byte) {
    std::string one(1, static_cast<char>(byte));
    EXPECT_EQ(HexDecode(HexEncode(one)), one);
  }
}

TEST(HexTest, LowerHexIsNonEmptyAndLowerCaseOnly) {
  EXPECT_TRUE(IsLowerHex("0123456789abcdef"));
  EXPECT_FALSE(IsLowerHex(""));
  EXPECT_FALSE(IsLowerHex("ABCDEF"));
  EXPECT_FALSE(IsLowerHex("12 3"));
  EXPECT_FALSE(IsLowerHex(std::string("ab\0", 3)));
}

TEST(HexTest, NumbersAreZeroXPrefixedAndPaddedOnRequest) {
  EXPECT_EQ(HexNumber(0), "0x0");
  EXPECT_EQ(HexNumber(0x1d00000), "0x1d00000");
  EXPECT_EQ(HexNumber(0xffffffffffffffffULL), "0xffffffffffffffff");
  EXPECT_EQ(HexNumber(0x83, 2), "0x83");
  EXPECT_EQ(HexNumber(0x7, 2), "0x07");
  EXPECT_EQ(HexNumber(0xabc, 2), "0xabc");
}

}  // namespace
}  // namespace virdomm
