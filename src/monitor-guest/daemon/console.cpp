#include "daemon/console.h"

#include <cstdio>

namespace virdomm::monitor {
namespace {

void Write(std::FILE* stream, std::string_view monitor, std::string_view text) {
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  std::string out;
  while (true) {
    std::size_t newline = text.find('\n');
    out.append(monitor).append(" ").append(text.substr(0, newline)).append("\n");
    if (newline == std::string_view::npos) {
      break;
    }
    text.remove_prefix(newline + 1);
  }
  // A failed write to the console has nobody to be reported to.
  (void)std::fwrite(out.data(), 1, out.size(), stream);
  (void)std::fflush(stream);
}

}  // namespace

void Console::Print(std::string_view monitor, std::string_view text) const {
  Write(stdout, monitor, text);
}

void Console::Error(std::string_view monitor, std::string_view text) const {
  Write(stderr, monitor, text);
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != '\n') {
      out += c;
    }
  }
  return out;
}

}  // namespace virdomm::monitor
