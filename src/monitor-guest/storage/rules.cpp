// Parsing and matching of the storage checker's rule file.
#include "storage/rules.h"

#include <fnmatch.h>
#include <regex.h>

#include <algorithm>
#include <sstream>

namespace virdomm::monitor {

enum class SelectionKind { kSubtree, kExact, kRegex };

struct RuleSet::Rule {
  SelectionKind kind = SelectionKind::kSubtree;
  bool negate = false;
  std::string pattern;  // path (maybe with glob characters) or regex source
  bool has_glob = false;
  size_t components = 0;  // path components of `pattern` ("/" has 0)
  regex_t regex{};
  bool regex_ready = false;
  AttributeSet attributes = 0;
  int line = 0;

  Rule() = default;
  Rule(const Rule&) = delete;
  Rule& operator=(const Rule&) = delete;
  ~Rule() {
    if (regex_ready) regfree(&regex);
  }
};

namespace {

using Groups = std::vector<std::pair<std::string, AttributeSet>>;

AttributeSet AttributesOf(std::initializer_list<Attribute> list) {
  AttributeSet set = 0;
  for (Attribute attribute : list) set |= Bit(attribute);
  return set;
}

Groups BuiltinGroups() {
  using A = Attribute;
  AttributeSet x = AttributesOf({A::kXattrs, A::kSelinux, A::kCapabilities});
  AttributeSet r =
      AttributesOf({A::kType, A::kPermissions, A::kInode, A::kLinkCount, A::kUid, A::kGid, A::kSize,
                    A::kMtime, A::kCtime, A::kLinkTarget, A::kDevice, A::kSha256}) |
      x;
  AttributeSet l =
      AttributesOf({A::kType, A::kPermissions, A::kInode, A::kUid, A::kGid, A::kLinkTarget}) | x;
  return {{"R", r}, {"L", l}, {"X", x}, {"E", 0}};
}

size_t CountComponents(std::string_view path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/')) - (path == "/" ? 1 : 0);
}

// The first `count` components of `path` ("/a/b/c", 2 -> "/a/b"); nullopt when it has fewer.
std::optional<std::string_view> LeadingComponents(std::string_view path, size_t count) {
  if (count == 0) return std::string_view("/");
  size_t seen = 0;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (++seen == count) return path.substr(0, i);
    }
  }
  return std::nullopt;
}

bool PathEquals(const RuleSet::Rule& rule, std::string_view path) {
  if (!rule.has_glob) return path == rule.pattern;
  std::string text(path);
  return fnmatch(rule.pattern.c_str(), text.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
}

// Whether `rule` (subtree kind) covers `path`, i.e. path is the rule's path or below it.
bool SubtreeCovers(const RuleSet::Rule& rule, std::string_view path) {
  auto prefix = LeadingComponents(path, rule.components);
  return prefix && PathEquals(rule, *prefix);
}

bool RuleMatches(const RuleSet::Rule& rule, std::string_view path) {
  switch (rule.kind) {
    case SelectionKind::kSubtree:
      return SubtreeCovers(rule, path);
    case SelectionKind::kExact:
      return PathEquals(rule, path);
    case SelectionKind::kRegex: {
      std::string text(path);
      return regexec(&rule.regex, text.c_str(), 0, nullptr, 0) == 0;
    }
  }
  return false;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

bool IsGroupName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

}  // namespace

AttributeSet ParseAttributeExpression(std::string_view text, const Groups& groups) {
  AttributeSet result = 0;
  size_t pos = 0;
  char op = '+';
  if (text.empty()) throw RulesError("empty attribute list");
  while (pos <= text.size()) {
    size_t end = text.find_first_of("+-", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view name = text.substr(pos, end - pos);
    if (name.empty()) throw RulesError("empty attribute name in '" + std::string(text) + "'");
    AttributeSet value = 0;
    bool found = false;
    for (auto it = groups.rbegin(); it != groups.rend(); ++it) {  // later definitions win
      if (it->first == name) {
        value = it->second;
        found = true;
        break;
      }
    }
    if (!found) {
      auto attribute = ParseAttribute(name);
      if (!attribute) {
        throw RulesError("unknown attribute or group '" + std::string(name) + "'");
      }
      value = Bit(*attribute);
    }
    result = op == '+' ? (result | value) : (result & ~value);
    if (end == text.size()) break;
    op = text[end];
    pos = end + 1;
  }
  return result;
}

RuleSet RuleSet::Parse(std::string_view text, const std::string& origin) {
  RuleSet set;
  Groups groups = BuiltinGroups();
  std::istringstream stream{std::string(text)};
  std::string raw_line;
  int line_number = 0;
  while (std::getline(stream, raw_line)) {
    ++line_number;
    auto where = [&] { return origin + ":" + std::to_string(line_number) + ": "; };
    std::string_view line = Trim(raw_line);
    if (line.empty() || line.front() == '#') continue;
    try {
      size_t equals = line.find('=');
      if (line.front() != '=' && line.front() != '/' && line.front() != '!' &&
          line.front() != '~' && equals != std::string_view::npos) {
        std::string_view name = Trim(line.substr(0, equals));
        if (!IsGroupName(name)) throw RulesError("bad group name '" + std::string(name) + "'");
        groups.emplace_back(std::string(name),
                            ParseAttributeExpression(Trim(line.substr(equals + 1)), groups));
        continue;
      }
      auto rule = std::make_shared<Rule>();
      rule->line = line_number;
      std::string_view selection = line;
      std::string_view attributes;
      size_t space = line.find_first_of(" \t");
      if (space != std::string_view::npos) {
        selection = line.substr(0, space);
        attributes = Trim(line.substr(space));
      }
      if (selection.front() == '!') {
        rule->negate = true;
        selection.remove_prefix(1);
      }
      if (!selection.empty() && selection.front() == '=') {
        rule->kind = SelectionKind::kExact;
        selection.remove_prefix(1);
      } else if (!selection.empty() && selection.front() == '~') {
        rule->kind = SelectionKind::kRegex;
        selection.remove_prefix(1);
      }
      if (selection.empty()) throw RulesError("missing path");
      if (rule->negate && !attributes.empty()) {
        throw RulesError("an exclusion takes no attributes");
      }
      if (!rule->negate) {
        if (attributes.empty()) throw RulesError("missing attributes after the path");
        rule->attributes = ParseAttributeExpression(attributes, groups);
      }
      rule->pattern = std::string(selection);
      if (rule->kind == SelectionKind::kRegex) {
        // Anchored at both ends: "~/etc/ssh" means exactly /etc/ssh, not /etc/sshd_config.
        std::string anchored = "^(" + rule->pattern + ")$";
        int rc = regcomp(&rule->regex, anchored.c_str(), REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
          char message[256];
          regerror(rc, &rule->regex, message, sizeof message);
          throw RulesError("bad regular expression '" + rule->pattern + "': " + message);
        }
        rule->regex_ready = true;
      } else {
        if (rule->pattern.front() != '/') {
          throw RulesError("a path must start with '/' (got '" + rule->pattern + "')");
        }
        while (rule->pattern.size() > 1 && rule->pattern.back() == '/') rule->pattern.pop_back();
        if (rule->pattern.find("//") != std::string::npos) {
          throw RulesError("empty path component in '" + rule->pattern + "'");
        }
        rule->has_glob = rule->pattern.find_first_of("*?[") != std::string::npos;
        rule->components = CountComponents(rule->pattern);
      }
      set.rules_.push_back(std::move(rule));
    } catch (const RulesError& error) {
      throw RulesError(where() + error.what());
    }
  }
  return set;
}

RuleDecision RuleSet::Match(std::string_view path) const {
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    const Rule& rule = **it;
    if (!RuleMatches(rule, path)) continue;
    if (rule.negate) return RuleDecision{false, 0, rule.line};
    return RuleDecision{true, rule.attributes, rule.line};
  }
  return RuleDecision{};
}

bool RuleSet::MayMatchBelow(std::string_view dir) const {
  // Rules before the last exclusion that covers all of `dir`'s subtree cannot select below it.
  size_t first = 0;
  for (size_t i = rules_.size(); i-- > 0;) {
    const Rule& rule = *rules_[i];
    if (rule.negate && rule.kind == SelectionKind::kSubtree && SubtreeCovers(rule, dir)) {
      first = i + 1;
      break;
    }
  }
  size_t dir_components = CountComponents(dir);
  for (size_t i = first; i < rules_.size(); ++i) {
    const Rule& rule = *rules_[i];
    if (rule.negate) continue;
    if (rule.kind == SelectionKind::kRegex) return true;
    if (rule.components <= dir_components) {
      if (rule.kind == SelectionKind::kSubtree && SubtreeCovers(rule, dir)) return true;
      continue;
    }
    // The rule names something deeper: does its leading part name `dir`?
    auto prefix = LeadingComponents(rule.pattern, dir_components);
    if (!prefix) continue;
    std::string pattern(*prefix);
    std::string text(dir);
    if (fnmatch(pattern.c_str(), text.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0) return true;
  }
  return false;
}

AttributeSet RuleSet::AnyAttributes() const {
  AttributeSet set = 0;
  for (const auto& rule : rules_) set |= rule->attributes;
  return set;
}

std::string_view DefaultRulesText() {
  return R"(# virdomm storage checker: default rules for a Debian or RHEL system disk.
# Built-in groups: R (all metadata + sha256 + xattrs), L (ownership and permissions, no
# content or size: files that change), X (xattrs, selinux, caps), E (existence only).
# The last matching rule decides; a path rule covers the path and everything below it.

/                R
# Contents that change during normal operation: watch ownership and permissions only.
/var             L
/home            L
/root            L
=/tmp            L
!/tmp/*
=/var/tmp        L
!/var/tmp/*
# Runtime and virtual filesystems are empty on disk; anything found there is reported as added.
=/proc           L
=/sys            L
=/dev            L
=/run            L
# Files the system rewrites by itself.
=/etc/adjtime    L
=/etc/mtab       L
=/etc/ld.so.cache L
=/etc/machine-id L
~/etc/(aliases|shadow|gshadow|passwd|group)-   L
# Things that must not change without review even under /var and /root.
/var/spool/cron  R
/var/lib/dpkg    R
/var/lib/rpm     L
/root/.ssh       R
~/home/[^/]+/\.ssh(/.*)?   R
# Noise.
!/var/cache
!/var/log/journal
!/var/lib/apt/lists
!/var/lib/dnf
!/var/lib/systemd/random-seed
!/lost+found
)";
}

}  // namespace virdomm::monitor
