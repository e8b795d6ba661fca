// A recursive-descent parser for LVM2 text metadata; recursion depth is bounded by the limits.
#include "storage/lvm_text.h"

#include <cctype>
#include <limits>

namespace virdomm::monitor {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' ||
         c == '+';
}

class Parser {
 public:
  Parser(std::string_view text, const LvmTextLimits& limits) : text_(text), limits_(limits) {}

  LvmSection Document() {
    LvmSection root = Body(0);
    if (at_ < text_.size()) throw Fail("unexpected '}'");
    return root;
  }

 private:
  LvmError Fail(const std::string& why) const {
    return LvmError("LVM metadata line " + std::to_string(line_) + ": " + why);
  }

  void Count() {
    if (++items_ > limits_.max_items) throw Fail("too many items");
  }

  void SkipSpace() {
    while (at_ < text_.size()) {
      char c = text_[at_];
      if (c == '#') {
        while (at_ < text_.size() && text_[at_] != '\n') ++at_;
      } else if (c == '\n') {
        ++line_;
        ++at_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++at_;
      } else {
        return;
      }
    }
  }

  std::string Name() {
    size_t start = at_;
    while (at_ < text_.size() && IsNameChar(text_[at_])) ++at_;
    if (at_ == start) throw Fail("expected a name");
    return std::string(text_.substr(start, at_ - start));
  }

  LvmSection Body(unsigned depth) {
    if (depth > limits_.max_depth) throw Fail("sections nested too deeply");
    LvmSection section;
    while (true) {
      SkipSpace();
      if (at_ >= text_.size()) {
        if (depth > 0) throw Fail("missing '}'");
        return section;
      }
      if (text_[at_] == '}') {
        if (depth == 0) throw Fail("unexpected '}'");
        ++at_;
        return section;
      }
      std::string name = Name();
      SkipSpace();
      Count();
      if (at_ < text_.size() && text_[at_] == '{') {
        ++at_;
        section.sections.push_back(Body(depth + 1));
        section.sections.back().name = std::move(name);
      } else if (at_ < text_.size() && text_[at_] == '=') {
        ++at_;
        SkipSpace();
        section.values.emplace_back(std::move(name), Value(true));
      } else {
        throw Fail("expected '=' or '{' after " + name);
      }
    }
  }

  LvmValue Value(bool array_allowed) {
    if (at_ >= text_.size()) throw Fail("missing value");
    char c = text_[at_];
    if (c == '[' && array_allowed) {
      ++at_;
      LvmValue array;
      array.kind = LvmValue::Kind::kArray;
      SkipSpace();
      if (at_ < text_.size() && text_[at_] == ']') {
        ++at_;
        return array;
      }
      while (true) {
        SkipSpace();
        Count();
        array.items.push_back(Value(false));
        SkipSpace();
        if (at_ >= text_.size()) throw Fail("missing ']'");
        if (text_[at_] == ']') {
          ++at_;
          return array;
        }
        if (text_[at_] != ',') throw Fail("expected ',' or ']'");
        ++at_;
      }
    }
    if (c == '"') return String();
    return Number();
  }

  LvmValue String() {
    ++at_;
    LvmValue value;
    value.kind = LvmValue::Kind::kString;
    while (true) {
      if (at_ >= text_.size()) throw Fail("unterminated string");
      char c = text_[at_++];
      if (c == '"') return value;
      if (c == '\n') ++line_;
      if (c == '\\') {
        if (at_ >= text_.size()) throw Fail("unterminated string");
        c = text_[at_++];
      }
      value.text.push_back(c);
    }
  }

  LvmValue Number() {
    size_t start = at_;
    if (at_ < text_.size() && (text_[at_] == '-' || text_[at_] == '+')) ++at_;
    size_t digits = at_;
    while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_])) != 0) ++at_;
    if (at_ == digits) throw Fail("expected a value");
    LvmValue value;
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_])) != 0) ++at_;
      value.kind = LvmValue::Kind::kFloat;
      value.text = std::string(text_.substr(start, at_ - start));
      return value;
    }
    bool negative = text_[start] == '-';
    std::uint64_t magnitude = 0;
    for (size_t i = digits; i < at_; ++i) {
      auto digit = static_cast<std::uint64_t>(text_[i] - '0');
      if (magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        throw Fail("number out of range");
      }
      magnitude = magnitude * 10 + digit;
    }
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (magnitude > kMax + (negative ? 1 : 0)) throw Fail("number out of range");
    value.kind = LvmValue::Kind::kNumber;
    value.number =
        negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
    return value;
  }

  std::string_view text_;
  const LvmTextLimits& limits_;
  size_t at_ = 0;
  size_t line_ = 1;
  size_t items_ = 0;
};

}  // namespace

const LvmValue* LvmSection::Value(std::string_view key) const {
  for (const auto& [name, value] : values) {
    if (name == key) return &value;
  }
  return nullptr;
}

const LvmSection* LvmSection::Section(std::string_view name) const {
  for (const LvmSection& section : sections) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

std::int64_t LvmSection::Number(std::string_view key, std::string_view where) const {
  const LvmValue* value = Value(key);
  if (value == nullptr || value->kind != LvmValue::Kind::kNumber) {
    throw LvmError(std::string(where) + ": no number " + std::string(key));
  }
  return value->number;
}

const std::string& LvmSection::String(std::string_view key, std::string_view where) const {
  const LvmValue* value = Value(key);
  if (value == nullptr || value->kind != LvmValue::Kind::kString) {
    throw LvmError(std::string(where) + ": no string " + std::string(key));
  }
  return value->text;
}

LvmSection ParseLvmText(std::string_view text, const LvmTextLimits& limits) {
  if (text.size() > limits.max_bytes) throw LvmError("LVM metadata text is too large");
  Parser parser(text, limits);
  return parser.Document();
}

}  // namespace virdomm::monitor
