// A small streaming JSON writer for `--json` output: commas, nesting and string escaping
// (control characters, quotes, and invalid UTF-8 replaced by U+FFFD) handled in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virdomm {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A string, or null when absent.
  JsonWriter& OptionalString(const std::optional<std::string>& value);
  JsonWriter& OptionalInt(const std::optional<int>& value);

  // The document; throws std::logic_error when objects/arrays are left open.
  [[nodiscard]] std::string Finish() const;

 private:
  void BeforeValue();
  std::string out_;
  // One entry per open container: true while it has no element yet.
  std::vector<bool> first_;
  bool after_key_ = false;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace virdomm
