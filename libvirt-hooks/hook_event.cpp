// Names of hook operations in one table, and the argv/stdin parsing of an invocation.
#include "hook_event.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

#include "common/error.h"

namespace virdomm {

namespace {

// How much oversized input is read and thrown away before giving up on it.
constexpr std::size_t kMaxDrainBytes = std::size_t{64} << 20U;

constexpr std::array<std::pair<HookOp, std::string_view>, 7> kOps = {{
    {HookOp::kPrepare, "prepare"},
    {HookOp::kStart, "start"},
    {HookOp::kStarted, "started"},
    {HookOp::kStopped, "stopped"},
    {HookOp::kRelease, "release"},
    {HookOp::kMigrate, "migrate"},
    {HookOp::kReconnect, "reconnect"},
}};

constexpr std::array<std::pair<HookSubOp, std::string_view>, 3> kSubOps = {{
    {HookSubOp::kBegin, "begin"},
    {HookSubOp::kEnd, "end"},
    {HookSubOp::kNone, "-"},
}};

}  // namespace

std::string_view ToString(HookOp op) {
  for (const auto& [value, name] : kOps) {
    if (value == op) {
      return name;
    }
  }
  return "unknown";
}

std::optional<HookOp> ParseHookOp(std::string_view text) {
  for (const auto& [value, name] : kOps) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

std::string_view ToString(HookSubOp sub_op) {
  for (const auto& [value, name] : kSubOps) {
    if (value == sub_op) {
      return name;
    }
  }
  return "unknown";
}

std::optional<HookSubOp> ParseHookSubOp(std::string_view text) {
  for (const auto& [value, name] : kSubOps) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

std::string_view ToString(HookEventKind kind) {
  switch (kind) {
    case HookEventKind::kPrepareBegin:
      return "prepare begin";
    case HookEventKind::kStartedBegin:
      return "started begin";
    case HookEventKind::kStoppedEnd:
      return "stopped end";
    case HookEventKind::kReleaseEnd:
      return "release end";
    case HookEventKind::kReconnectBegin:
      return "reconnect begin";
    case HookEventKind::kMigrateBegin:
      return "migrate begin";
    case HookEventKind::kIgnored:
      break;
  }
  return "ignored";
}

HookEventKind HookEvent::Kind() const {
  struct Row {
    HookOp op;
    HookSubOp sub_op;
    HookEventKind kind;
  };
  static constexpr std::array<Row, 6> kTable = {{
      {HookOp::kPrepare, HookSubOp::kBegin, HookEventKind::kPrepareBegin},
      {HookOp::kStarted, HookSubOp::kBegin, HookEventKind::kStartedBegin},
      {HookOp::kStopped, HookSubOp::kEnd, HookEventKind::kStoppedEnd},
      {HookOp::kRelease, HookSubOp::kEnd, HookEventKind::kReleaseEnd},
      {HookOp::kReconnect, HookSubOp::kBegin, HookEventKind::kReconnectBegin},
      {HookOp::kMigrate, HookSubOp::kBegin, HookEventKind::kMigrateBegin},
  }};
  for (const Row& row : kTable) {
    if (row.op == op && row.sub_op == sub_op) {
      return row.kind;
    }
  }
  return HookEventKind::kIgnored;
}

std::string HookEvent::Describe() const {
  return "'" + domain_name + "' " + op_text + " " + sub_op_text;
}

HookEvent ParseHookEvent(const std::vector<std::string>& args, std::string stdin_text,
                         bool stdin_truncated) {
  if (args.size() < 3) {
    throw Error("usage: virdomm-hook NAME OP SUBOP [EXTRA] < domain.xml (run by libvirtd; got " +
                std::to_string(args.size()) + " arguments)");
  }
  HookEvent event;
  event.domain_name = args[0];
  event.op_text = args[1];
  event.op = ParseHookOp(args[1]).value_or(HookOp::kUnknown);
  event.sub_op_text = args[2];
  event.sub_op = ParseHookSubOp(args[2]).value_or(HookSubOp::kUnknown);
  event.extra = args.size() > 3 ? args[3] : "-";
  event.stdin_xml = std::move(stdin_text);
  event.stdin_truncated = stdin_truncated;
  return event;
}

std::string ReadBoundedInput(int fd, std::size_t limit, bool& truncated) {
  truncated = false;
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return text;
    }
    std::size_t room = limit - text.size();
    if (static_cast<std::size_t>(n) > room) {
      text.append(buf, room);
      truncated = true;
      // Drain the rest (libvirt writes all of its input; a closed pipe would fail its write).
      std::size_t drained = 0;
      while (drained < kMaxDrainBytes) {
        ssize_t m = ::read(fd, buf, sizeof(buf));
        if (m < 0 && errno == EINTR) {
          continue;
        }
        if (m <= 0) {
          break;
        }
        drained += static_cast<std::size_t>(m);
      }
      return text;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace virdomm
