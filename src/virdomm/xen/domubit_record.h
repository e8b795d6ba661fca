// The DomU-bit record (libvirt-hooks/PROTOCOL.md): reading it, and deciding which entries may
// be installed into Domain M's page tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace virdomm {

// PTE bit 55 of a 64-bit PV L1 entry marks a read-only mapping of a frame of Domain M's target.
inline constexpr std::uint64_t kDomUBit = std::uint64_t{1} << 55U;
inline constexpr std::uint64_t kPtePresent = std::uint64_t{1} << 0U;
inline constexpr std::uint64_t kPteWritable = std::uint64_t{1} << 1U;
// The frame field of an x86-64 PTE: bits 12-51.
inline constexpr std::uint64_t kPteFrameMask = ((std::uint64_t{1} << 52U) - 1U) & ~0xfffULL;
inline constexpr std::uint64_t kMaxFrameNumber = (std::uint64_t{1} << 40U) - 1U;
inline constexpr unsigned kL1Slots = 512;

// Bounds that keep a hostile or corrupt file from exhausting dom0: 2^18 entries map 1 GiB.
inline constexpr std::size_t kMaxDomUBitEntries = std::size_t{1} << 18U;
inline constexpr std::size_t kMaxDomUBitRecordBytes = std::size_t{16} << 20U;

// One recorded page-table entry of Domain M that maps a DomU frame.
struct DomUBitEntry {
  std::uint64_t l1_mfn = 0;  // machine frame of M's L1 table
  unsigned slot = 0;         // 0..511
  std::uint64_t gfn = 0;     // DomU's guest frame
  std::uint64_t flags = 0;   // PTE bits outside the frame field
  bool operator==(const DomUBitEntry&) const = default;

  // Machine address of the slot, as MMU_NORMAL_PT_UPDATE wants it.
  [[nodiscard]] std::uint64_t PteMachineAddress() const {
    return (l1_mfn << 12U) + std::uint64_t{8} * slot;
  }
  // The value written into the slot: gfn in the frame field, the recorded flags around it.
  [[nodiscard]] std::uint64_t PteValue() const { return (gfn << 12U) | flags; }
};

// A malformed record file; the message names the file, the line and the fault.
class DomUBitRecordError : public Error {
 public:
  using Error::Error;
};

// Parses the text of a record. `what` names it in messages (usually the path).
// Throws DomUBitRecordError on any deviation from PROTOCOL.md.
std::vector<DomUBitEntry> ParseDomUBitRecord(std::string_view text, const std::string& what);

// Reads and parses the record at `path`; nullopt when there is no such file (nothing was
// carried). A file larger than kMaxDomUBitRecordBytes or not a regular file is malformed.
// Throws DomUBitRecordError for a bad file, Error for an unreadable one.
std::optional<std::vector<DomUBitEntry>> ReadDomUBitRecordIfPresent(const std::string& path);

// The record file of a restored Domain M with domid `domid` under `run_dir` (normally
// /run/virdomm): <run_dir>/domubit/<domid>.
std::string DomUBitRecordPath(const std::string& run_dir, std::uint32_t domid);

// Entries split by what DomU can back: a gfn above U's maximum gpfn is refused.
struct DomUBitInstallPlan {
  std::vector<DomUBitEntry> accepted;
  std::vector<DomUBitEntry> refused;
};
DomUBitInstallPlan PlanDomUBitInstall(const std::vector<DomUBitEntry>& entries,
                                      std::uint64_t max_gpfn);

}  // namespace virdomm
