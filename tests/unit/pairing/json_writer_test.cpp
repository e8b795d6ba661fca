// JSON output: escaping of every awkward byte, and container bookkeeping.
#include <gtest/gtest.h>

#include "common/json_writer.h"

namespace virdomm {
namespace {

TEST(JsonQuote, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonQuote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonQuote("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(JsonQuote(std::string("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(JsonQuote(std::string("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonQuote, KeepsUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(JsonQuote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(JsonQuote("caf\xe9"), R"("caf\ufffd")");                // Latin-1
  EXPECT_EQ(JsonQuote("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong '/'
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(JsonQuote("\xe2\x82"), R"("\ufffd\ufffd")");            // truncated
}

TEST(JsonWriter, NestsWithCommas) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().String("x").Null().Bool(true).EndArray();
  w.Key("c").BeginObject().EndObject().Key("d").OptionalInt(std::nullopt).EndObject();
  EXPECT_EQ(w.Finish(), "{\"a\":1,\"b\":[\"x\",null,true],\"c\":{},\"d\":null}\n");
}

TEST(JsonWriter, RefusesAnOpenDocument) {
  JsonWriter w;
  w.BeginObject().Key("a");
  EXPECT_THROW((void)w.Finish(), std::logic_error);
}

}  // namespace
}  // namespace virdomm
