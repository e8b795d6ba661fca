// Places where Linux legitimately rewrites its own text at run time, read from the trusted
// kernel image (never from guest memory): jump labels, ftrace __fentry__ sites, static calls.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "memory/elf_image.h"
#include "memory/symbol_table.h"

namespace virdomm::monitor {

enum class SiteKind { kJumpLabel, kFtrace, kStaticCall };
std::string ToString(SiteKind kind);

struct PatchSite {
  uint64_t address = 0;  // link-time address of the patched instruction
  uint8_t length = 5;
  SiteKind kind = SiteKind::kJumpLabel;
  uint64_t jump_target = 0;  // jump labels: the only legal jump destination
  uint64_t key = 0;          // jump labels: link address of the static key that flips it
  // ftrace_call & co inside ftrace_caller: retargeted to ops handlers, functions of the image.
  bool in_ftrace_caller = false;
};

class PatchSites {
 public:
  PatchSites() = default;
  explicit PatchSites(std::vector<PatchSite> sites);
  // The site whose bytes [address, address + length) contain `address`, or nullptr.
  [[nodiscard]] const PatchSite* Containing(uint64_t address) const;
  [[nodiscard]] std::size_t Count(SiteKind kind) const;
  [[nodiscard]] std::size_t Size() const { return sites_.size(); }

 private:
  std::vector<PatchSite> sites_;  // sorted by address
};

// Reads __jump_table, __mcount_loc, .static_call_sites and the __SCT__ trampolines. Tables
// whose bounding symbols are missing are skipped (their changes then count as unknown).
PatchSites ReadPatchSites(const ElfImage& vmlinux, const SymbolTable& symbols);

}  // namespace virdomm::monitor
