// The one string table for ChangeKind and Severity.
#include "memory/change.h"

#include <array>
#include <utility>

namespace virdomm::monitor {
namespace {

constexpr std::array<std::pair<ChangeKind, std::string_view>, 10> kKindNames = {{
    {ChangeKind::kJumpLabel, "jump_label"},
    {ChangeKind::kFtrace, "ftrace"},
    {ChangeKind::kStaticCall, "static_call"},
    {ChangeKind::kKprobe, "kprobe"},
    {ChangeKind::kRedirectedSite, "redirected_site"},
    {ChangeKind::kUnknownText, "unknown_text"},
    {ChangeKind::kRodata, "rodata"},
    {ChangeKind::kSyscallTable, "sys_call_table"},
    {ChangeKind::kUnreadable, "unreadable"},
    {ChangeKind::kHiddenCode, "hidden_code"},
}};

}  // namespace

std::string ToString(ChangeKind kind) {
  for (const auto& [value, name] : kKindNames) {
    if (value == kind) {
      return std::string(name);
    }
  }
  return "unknown";
}

std::optional<ChangeKind> ParseChangeKind(std::string_view text) {
  for (const auto& [value, name] : kKindNames) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

std::string ToString(Severity severity) {
  switch (severity) {
    case Severity::kNone:
      return "none";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

bool IsAcknowledgeable(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kJumpLabel:
    case ChangeKind::kFtrace:
    case ChangeKind::kStaticCall:
    case ChangeKind::kKprobe:
      return true;
    default:
      return false;
  }
}

Severity SeverityOf(ChangeKind kind) {
  return IsAcknowledgeable(kind) ? Severity::kWarning : Severity::kCritical;
}

}  // namespace virdomm::monitor
