// One reported difference between the baseline and live memory, and how it was classified.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virdomm::monitor {

// What a change is, judged by where it is and what was written. Runtime patching that Linux
// does itself is named; everything else is unknown.
enum class ChangeKind {
  kJumpLabel,       // static key flipped: NOP <-> JMP to the entry's own target
  kFtrace,          // __fentry__ site: NOP <-> CALL/JMP (ftrace, livepatch, BPF trampoline)
  kStaticCall,      // static_call site or __SCT__ trampoline retargeted
  kKprobe,          // INT3 written over (or removed from) one instruction byte
  kRedirectedSite,  // a patch site branching where Linux would not send it (a hook)
  kUnknownText,     // any other change in kernel text
  kRodata,          // read-only data changed
  kSyscallTable,    // an entry of sys_call_table changed
  kUnreadable,      // a frame of the region could not be read
  kHiddenCode,      // executable pages in the module area that nothing the checker knows owns
};
std::string ToString(ChangeKind kind);
std::optional<ChangeKind> ParseChangeKind(std::string_view text);

enum class Severity { kNone, kWarning, kCritical };
std::string ToString(Severity severity);
// Classified runtime patching is a warning (reported, acknowledgeable); the rest is critical.
Severity SeverityOf(ChangeKind kind);
bool IsAcknowledgeable(ChangeKind kind);

struct Change {
  ChangeKind kind = ChangeKind::kUnknownText;
  std::string region;     // "text" / "rodata" / "module_area"
  uint64_t address = 0;   // link-time address of the first changed byte (module_area: runtime)
  uint64_t physical = 0;  // guest-physical address of it
  std::string location;   // symbol+offset
  std::vector<uint8_t> old_bytes;
  std::vector<uint8_t> new_bytes;
  std::string detail;      // e.g. "sys_call_table[39] __x64_sys_getpid -> 0x..."
  std::string static_key;  // jump labels: the key that flips the site ("freezer_active")
  // A CALL/JMP at a patch site: where it goes ("ftrace_caller+0x0", "outside the kernel
  // image: 0x… (in module m)") and its runtime address (0 when unknown).
  std::string target;
  uint64_t target_address = 0;
  [[nodiscard]] Severity GetSeverity() const { return SeverityOf(kind); }
};

}  // namespace virdomm::monitor
