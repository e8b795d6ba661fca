// SHA-256 (FIPS 180-2 examples) and HMAC-SHA256 (RFC 4231) against published vectors.
#include "core/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/hex.h"

namespace virdomm::monitor {
namespace {

TEST(DigestTest, Sha256MatchesPublishedVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 streamed;
  streamed.Update(std::string_view("ab"));
  streamed.Update(std::string_view("c"));
  EXPECT_EQ(HexEncode(streamed.Finish()), Sha256Hex("abc"));
}

TEST(DigestTest, HmacSha256MatchesRfc4231) {
  std::string key = "Jefe";
  HmacSha256 mac(std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  mac.Update(std::string_view("what do ya want "));
  mac.Update(std::string_view("for nothing?"));
  EXPECT_EQ(HexEncode(mac.Finish()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  std::vector<uint8_t> key20(20, 0x0b);
  HmacSha256 case1(key20);
  case1.Update(std::string_view("Hi There"));
  EXPECT_EQ(HexEncode(case1.Finish()),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(DigestTest, EqualityAndRandomBytes) {
  Digest a = Sha256Of(std::vector<uint8_t>{1, 2, 3});
  Digest b = a;
  EXPECT_TRUE(DigestsEqual(a, b));
  b[31] ^= 1U;
  EXPECT_FALSE(DigestsEqual(a, b));
  std::vector<uint8_t> first(32);
  std::vector<uint8_t> second(32);
  RandomBytes(first, "a test");
  RandomBytes(second, "a test");
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace virdomm::monitor
