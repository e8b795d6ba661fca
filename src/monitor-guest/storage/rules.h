// The rule file: which paths the storage checker watches and which attributes it compares there.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "storage/file_record.h"

namespace virdomm::monitor {

class RulesError : public Error {
 public:
  using Error::Error;
};

// The verdict of the rules for one path.
struct RuleDecision {
  bool selected = false;
  AttributeSet attributes = 0;
  int line = 0;  // line of the deciding rule in the rules text; 0 when no rule matched
};

// Parsed rules. Syntax (see README.md):
//   NAME = attr+attr-attr      named group
//   /path  ATTRS               /path and everything below it (component-wise: not /path2)
//   =/path ATTRS               exactly /path
//   ~REGEX ATTRS               POSIX extended regex over the whole path (anchored at both ends)
//   !/path  !=/path  !~REGEX   exclusions of the same three forms
// Paths may use glob characters (* ? [..]) inside components. The last matching rule decides.
class RuleSet {
 public:
  static RuleSet Parse(std::string_view text, const std::string& origin);

  [[nodiscard]] RuleDecision Match(std::string_view path) const;
  // False only when no path strictly below `dir` can be selected, so the walk may skip it.
  [[nodiscard]] bool MayMatchBelow(std::string_view dir) const;
  // Union of the attributes of all selecting rules (which digests any file may need).
  [[nodiscard]] AttributeSet AnyAttributes() const;

  struct Rule;

 private:
  std::vector<std::shared_ptr<const Rule>> rules_;
};

// Expands "R+sha512-m" against the built-in and named groups; throws RulesError.
AttributeSet ParseAttributeExpression(
    std::string_view text, const std::vector<std::pair<std::string, AttributeSet>>& groups);

// The shipped rule set for a Debian or RHEL system disk.
std::string_view DefaultRulesText();

}  // namespace virdomm::monitor
