// One libvirt libxl hook invocation (argv + stdin) as a value: what libvirtd asked, about
// which domain, with which XML.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virdomm {

// argv[2]: the operation (libvirt's virHookLibxlOp names), kUnknown as the sentinel.
enum class HookOp {
  kPrepare,
  kStart,
  kStarted,
  kStopped,
  kRelease,
  kMigrate,
  kReconnect,
  kUnknown
};
std::string_view ToString(HookOp op);
std::optional<HookOp> ParseHookOp(std::string_view text);

// argv[3]: "begin", "end" or "-".
enum class HookSubOp { kBegin, kEnd, kNone, kUnknown };
std::string_view ToString(HookSubOp sub_op);
std::optional<HookSubOp> ParseHookSubOp(std::string_view text);

// The (op, sub-op) pairs the hook acts on; everything else is kIgnored (exit 0, no output).
enum class HookEventKind {
  kPrepareBegin,
  kStartedBegin,
  kStoppedEnd,
  kReleaseEnd,
  kReconnectBegin,
  kMigrateBegin,
  kIgnored
};
std::string_view ToString(HookEventKind kind);

// Upper bound on the domain XML read from stdin (matches the XML parser's bound).
inline constexpr std::size_t kMaxHookStdinBytes = std::size_t{1} << 20U;

struct HookEvent {
  std::string domain_name;  // argv[1]
  HookOp op = HookOp::kUnknown;
  std::string op_text;  // argv[2] as given (for logs of unknown ops)
  HookSubOp sub_op = HookSubOp::kUnknown;
  std::string sub_op_text;
  std::string extra;             // argv[4], "-" for libxl
  std::string stdin_xml;         // may be empty (migrate begin on libxl always is)
  bool stdin_truncated = false;  // stdin was longer than kMaxHookStdinBytes

  [[nodiscard]] HookEventKind Kind() const;
  // "NAME op sub-op" for log lines.
  [[nodiscard]] std::string Describe() const;
};

// Builds the event from argv[1..] (NAME OP SUBOP [EXTRA...]) and the text read from stdin.
// Throws Error when fewer than three arguments are given.
HookEvent ParseHookEvent(const std::vector<std::string>& args, std::string stdin_text,
                         bool stdin_truncated = false);

// Reads stdin (or any fd) up to `limit` bytes; sets `truncated` when more was there. Reads
// stop at EOF; a read error ends the input (the hook never waits on a broken pipe).
std::string ReadBoundedInput(int fd, std::size_t limit, bool& truncated);

}  // namespace virdomm
