#include "common/protocol/key_values.h"

#include <gtest/gtest.h>

namespace virdomm::protocol {
namespace {

TEST(KeyValues, DomidsAreDecimalAndNameARealDomain) {
  EXPECT_EQ(ParseDomid("9"), 9U);
  EXPECT_EQ(ParseDomid("32751"), kMaxDomid);
  for (const char* text : {"", "0", "32752", "-1", "+9", " 9", "9 ", "0x9", "9a", "99999999999"}) {
    EXPECT_FALSE(ParseDomid(text)) << text;
  }
}

TEST(KeyValues, TargetDomidIsEmptyWithoutATarget) {
  EXPECT_EQ(FormatTargetDomid(13), "13");
  EXPECT_EQ(FormatTargetDomid(std::nullopt), "");
  EXPECT_EQ(ParseDomid(FormatTargetDomid(13)), 13U);
  EXPECT_FALSE(ParseDomid(FormatTargetDomid(std::nullopt)));
}

TEST(KeyValues, GenerationsAreWholeDecimalNumbers) {
  EXPECT_EQ(ParseGeneration("0"), 0U);
  EXPECT_EQ(ParseGeneration("18446744073709551615"), UINT64_MAX);
  for (const char* text : {"", "-1", "1.5", "7 ", "18446744073709551616"}) {
    EXPECT_FALSE(ParseGeneration(text)) << text;
  }
}

}  // namespace
}  // namespace virdomm::protocol
