// Table formats (Linux 6.1 x86-64): jump_entry {s32 code; s32 target; long key} relative to
// each field; __mcount_loc: absolute u64 call sites; static_call_site {s32 addr; s32 key}.
#include "memory/patch_sites.h"

#include <algorithm>

#include "memory/byte_reader.h"

namespace virdomm::monitor {
namespace {

// Bytes of the table between two symbols, or empty when either is missing or out of the file.
std::span<const uint8_t> TableBytes(const ElfImage& vmlinux, const SymbolTable& symbols,
                                    const char* start_name, const char* stop_name,
                                    uint64_t& start) {
  auto begin = symbols.AddressOf(start_name);
  auto end = symbols.AddressOf(stop_name);
  if (!begin || !end || *end < *begin || *end - *begin > (uint64_t{64} << 20)) {
    return {};
  }
  start = *begin;
  return vmlinux.BytesAt(*begin, *end - *begin);
}

uint64_t AddRelative(uint64_t base, int32_t delta) {
  return base + static_cast<uint64_t>(static_cast<int64_t>(delta));
}

}  // namespace

std::string ToString(SiteKind kind) {
  switch (kind) {
    case SiteKind::kJumpLabel:
      return "jump_label";
    case SiteKind::kFtrace:
      return "ftrace";
    case SiteKind::kStaticCall:
      return "static_call";
  }
  return "unknown";
}

PatchSites::PatchSites(std::vector<PatchSite> sites) : sites_(std::move(sites)) {
  std::sort(sites_.begin(), sites_.end(),
            [](const PatchSite& a, const PatchSite& b) { return a.address < b.address; });
}

const PatchSite* PatchSites::Containing(uint64_t address) const {
  auto it =
      std::upper_bound(sites_.begin(), sites_.end(), address,
                       [](uint64_t value, const PatchSite& site) { return value < site.address; });
  if (it == sites_.begin()) {
    return nullptr;
  }
  --it;
  return address - it->address < it->length ? &*it : nullptr;
}

std::size_t PatchSites::Count(SiteKind kind) const {
  return static_cast<std::size_t>(std::count_if(
      sites_.begin(), sites_.end(), [kind](const PatchSite& site) { return site.kind == kind; }));
}

PatchSites ReadPatchSites(const ElfImage& vmlinux, const SymbolTable& symbols) {
  std::vector<PatchSite> sites;
  uint64_t start = 0;

  auto jump_table =
      TableBytes(vmlinux, symbols, "__start___jump_table", "__stop___jump_table", start);
  for (uint64_t at = 0; at + 16 <= jump_table.size(); at += 16) {
    auto code = static_cast<int32_t>(ReadLe<uint32_t>(jump_table, at, "jump_entry.code"));
    auto target = static_cast<int32_t>(ReadLe<uint32_t>(jump_table, at + 4, "jump_entry.target"));
    PatchSite site;
    site.address = AddRelative(start + at, code);
    site.jump_target = AddRelative(start + at + 4, target);
    // jump_entry.key is a 64-bit offset whose two low bits are flags (branch, init).
    auto key = static_cast<int64_t>(ReadLe<uint64_t>(jump_table, at + 8, "jump_entry.key"));
    site.key = start + at + 8 + static_cast<uint64_t>(key & ~int64_t{3});
    site.kind = SiteKind::kJumpLabel;
    sites.push_back(site);
  }

  auto mcount = TableBytes(vmlinux, symbols, "__start_mcount_loc", "__stop_mcount_loc", start);
  for (uint64_t at = 0; at + 8 <= mcount.size(); at += 8) {
    uint64_t address = ReadLe<uint64_t>(mcount, at, "mcount_loc");
    if (address != 0) {
      sites.push_back(PatchSite{address, 5, SiteKind::kFtrace, 0});
    }
  }

  auto static_calls =
      TableBytes(vmlinux, symbols, "__start_static_call_sites", "__stop_static_call_sites", start);
  for (uint64_t at = 0; at + 8 <= static_calls.size(); at += 8) {
    auto addr = static_cast<int32_t>(ReadLe<uint32_t>(static_calls, at, "static_call_site"));
    sites.push_back(PatchSite{AddRelative(start + at, addr), 5, SiteKind::kStaticCall, 0});
  }
  for (const KernelSymbol& symbol : symbols.ByAddress()) {
    if (symbol.name.starts_with("__SCT__") && (symbol.type == 'T' || symbol.type == 't')) {
      sites.push_back(PatchSite{symbol.address, 5, SiteKind::kStaticCall, 0});
    }
  }
  // The call instructions inside ftrace's own trampoline, retargeted by
  // ftrace_update_ftrace_func() when tracers come and go.
  for (const char* name : {"ftrace_call", "ftrace_regs_call", "ftrace_graph_call"}) {
    if (auto address = symbols.AddressOf(name)) {
      sites.push_back(PatchSite{*address, 5, SiteKind::kFtrace, 0, 0, true});
    }
  }
  // A site can appear in two tables (a static call inside a jump label's block cannot, but
  // duplicates within one table exist); keep one per address.
  std::sort(sites.begin(), sites.end(),
            [](const PatchSite& a, const PatchSite& b) { return a.address < b.address; });
  sites.erase(
      std::unique(sites.begin(), sites.end(),
                  [](const PatchSite& a, const PatchSite& b) { return a.address == b.address; }),
      sites.end());
  return PatchSites(std::move(sites));
}

}  // namespace virdomm::monitor
