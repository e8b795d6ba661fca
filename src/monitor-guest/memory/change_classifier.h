// Turns differing byte runs into reported changes: groups bytes of one patch site, checks what
// was written against what Linux itself would write there, names the symbol.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "memory/change.h"
#include "memory/patch_sites.h"
#include "memory/patch_target.h"
#include "memory/symbol_table.h"

namespace virdomm::monitor {

struct ByteRun {
  uint64_t start = 0;  // link-time addresses, [start, end)
  uint64_t end = 0;
};

// Maximal runs of differing bytes between two equally long buffers that start at `base`.
std::vector<ByteRun> DiffRuns(std::span<const uint8_t> old_bytes,
                              std::span<const uint8_t> new_bytes, uint64_t base);

struct ClassifyContext {
  const SymbolTable* symbols = nullptr;
  const PatchSites* sites = nullptr;
  uint64_t sys_call_table = 0;  // link address, 0 if unknown
  uint64_t sys_call_entries = 0;
  std::optional<int64_t> virtual_offset;  // KASLR, to name pointers in sys_call_table
  // Judges CALL/JMP targets at patch sites; without one, targets are judged by the symbols
  // alone (nothing outside the image is readable, so nothing there is attributed).
  const PatchTargetJudge* targets = nullptr;
};

// One region's old and live bytes (same length) and the runs found in them.
struct RegionDiff {
  std::string region;  // "text" or "rodata"
  uint64_t base = 0;   // link address of old_bytes[0]
  std::span<const uint8_t> old_bytes;
  std::span<const uint8_t> new_bytes;
};

// Bytes kept per change in a report.
inline constexpr std::size_t kMaxReportedBytes = 64;

std::vector<Change> ClassifyRuns(const RegionDiff& diff, const std::vector<ByteRun>& runs,
                                 const ClassifyContext& context);

// What Linux writes at each kind of site (exposed for tests).
bool IsLegalJumpLabelBytes(std::span<const uint8_t> site_bytes, uint64_t site,
                           uint64_t jump_target);
bool IsLegalCallSiteBytes(std::span<const uint8_t> site_bytes);
// A DO_ONCE static key (`___once_key`) now disabled at this site: the kernel's one-time
// initialisation ran (net_get_random_once() at DomU's first TCP connection, for one) and Linux
// never enables the key again. A one-way flip of a running kernel, not a change to report; the
// report still lists where it happened.
bool IsOnceKeyDone(const Change& change);
// The link-time target of a CALL rel32, JMP rel32 or JMP rel8 at `site`, if the bytes are one.
std::optional<uint64_t> BranchTarget(std::span<const uint8_t> site_bytes, uint64_t site);

}  // namespace virdomm::monitor
