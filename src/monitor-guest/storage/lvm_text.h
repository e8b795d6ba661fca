// LVM2's text metadata format (`key = value`, `name { ... }` sections, flat `[ ... ]` arrays of
// strings and numbers, `#` comments), parsed from untrusted bytes with bounded depth and size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace virdomm::monitor {

class LvmError : public Error {
 public:
  using Error::Error;
};

struct LvmValue {
  enum class Kind { kNumber, kFloat, kString, kArray };
  Kind kind = Kind::kNumber;
  std::int64_t number = 0;
  std::string text;             // kString: the unescaped string; kFloat: its spelling
  std::vector<LvmValue> items;  // kArray: numbers and strings only
};

struct LvmSection {
  std::string name;  // empty for the document itself
  std::vector<std::pair<std::string, LvmValue>> values;
  std::vector<LvmSection> sections;  // in file order

  [[nodiscard]] const LvmValue* Value(std::string_view key) const;
  [[nodiscard]] const LvmSection* Section(std::string_view name) const;
  // The value of `key` as a number or string; throws LvmError naming `where` when absent.
  [[nodiscard]] std::int64_t Number(std::string_view key, std::string_view where) const;
  [[nodiscard]] const std::string& String(std::string_view key, std::string_view where) const;
};

struct LvmTextLimits {
  size_t max_bytes = 16U << 20;
  unsigned max_depth = 16;
  size_t max_items = 1U << 20;  // values, sections and array elements together
};

// Throws LvmError with the line number on any syntax error or exceeded limit.
LvmSection ParseLvmText(std::string_view text, const LvmTextLimits& limits = {});

}  // namespace virdomm::monitor
