// The daemon's stdout: every line starts with the name of the monitor it is about, and goes
// out in one write, so that lines of different monitors never mix. With --json a check's
// report is one JSON object on its line ("storage {...}"); without, text.
#pragma once

#include <string>
#include <string_view>

namespace virdomm::monitor {

class Console {
 public:
  explicit Console(bool json) : json_(json) {}
  [[nodiscard]] bool Json() const { return json_; }
  // Each line of `text` (a trailing newline ignored) as "<monitor> <line>".
  void Print(std::string_view monitor, std::string_view text) const;
  // The same on stderr: errors and what the checkers' tools say.
  void Error(std::string_view monitor, std::string_view text) const;

 private:
  bool json_;
};

// `text` as one line: a JSON report printed over several lines, joined (JSON allows it).
std::string OneLine(std::string_view text);

}  // namespace virdomm::monitor
