// kallsyms table search: token_index (256 increasing u16) → token_table (256 strings) →
// num_syms/names (walked and checked against the markers) → offsets + relative_base, in
// either order Linux has written them (6.1: offsets first; 6.12: names first).
#include "memory/kallsyms_decoder.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "memory/byte_reader.h"

namespace virdomm::monitor {
namespace {

constexpr std::size_t kTokenCount = 256;
constexpr uint32_t kMinSymbols = 256;
constexpr uint32_t kMaxSymbols = 4u << 20;
constexpr uint64_t kKernelAddressFloor = 0xffffffff80000000ULL;
constexpr std::size_t kMaxSymbolLength = 1024;

constexpr uint64_t AlignUp8(uint64_t value) { return (value + 7) & ~uint64_t{7}; }

struct TokenTables {
  uint64_t table = 0;
  uint64_t index = 0;
  std::array<std::string, kTokenCount> tokens;
};

// Checks that a 256-entry u16 index at `index_at` describes 256 NUL-terminated strings that
// end just before it (up to 7 bytes of alignment padding); fills `out` on success.
bool MatchTokenTables(std::span<const uint8_t> bytes, uint64_t index_at, TokenTables& out) {
  std::array<uint16_t, kTokenCount> index{};
  for (std::size_t i = 0; i < kTokenCount; ++i) {
    if (!TryReadLe(bytes, index_at + 2 * i, index[i])) {
      return false;
    }
    if (i == 0 ? index[0] != 0 : (index[i] < index[i - 1] + 2 || index[i] > index[i - 1] + 256)) {
      return false;
    }
  }
  // Walk back over the padding and the last token's NUL, then over the last token's text.
  uint64_t end = index_at;
  unsigned zeros = 0;
  while (end > 0 && bytes[end - 1] == 0 && zeros < 8) {
    --end;
    ++zeros;
  }
  if (zeros == 0 || zeros == 8) {
    return false;
  }
  uint64_t last_start = end;
  while (last_start > 0 && bytes[last_start - 1] != 0 && end - last_start < 256) {
    --last_start;
  }
  if (last_start == end || last_start < index[kTokenCount - 1]) {
    return false;
  }
  uint64_t table = last_start - index[kTokenCount - 1];
  if (table % 8 != 0) {
    return false;
  }
  for (std::size_t i = 0; i < kTokenCount; ++i) {
    uint64_t start = table + index[i];
    uint64_t stop = i + 1 < kTokenCount ? table + index[i + 1] - 1 : end;
    if (stop <= start || bytes[stop] != 0) {
      return false;
    }
    for (uint64_t at = start; at < stop; ++at) {
      if (bytes[at] == 0) {
        return false;
      }
    }
    out.tokens[i].assign(reinterpret_cast<const char*>(bytes.data() + start), stop - start);
  }
  out.table = table;
  out.index = index_at;
  return true;
}

// Walks `count` name entries from `names_at`, not past `limit`; returns the end offset and
// records every 256th entry's offset (what kallsyms_markers holds).
std::optional<uint64_t> WalkNames(std::span<const uint8_t> bytes, uint64_t names_at, uint32_t count,
                                  uint64_t limit, std::vector<uint64_t>& block_starts) {
  block_starts.clear();
  uint64_t at = names_at;
  for (uint32_t i = 0; i < count; ++i) {
    if (i % 256 == 0) {
      block_starts.push_back(at - names_at);
    }
    if (at >= limit) {
      return std::nullopt;
    }
    uint64_t length = bytes[at++];
    if (length & 0x80) {  // "big symbol" two-byte length, added in 6.1
      if (at >= limit) {
        return std::nullopt;
      }
      length = (length & 0x7f) | (uint64_t{bytes[at++]} << 7);
    }
    if (length == 0 || length > limit - at) {
      return std::nullopt;
    }
    at += length;
  }
  return at;
}

bool MarkersMatch(std::span<const uint8_t> bytes, uint64_t markers_at, unsigned width,
                  const std::vector<uint64_t>& block_starts) {
  for (std::size_t i = 0; i < block_starts.size(); ++i) {
    uint64_t value = 0;
    if (width == 8) {
      if (!TryReadLe(bytes, markers_at + 8 * i, value)) {
        return false;
      }
    } else {
      uint32_t narrow = 0;
      if (!TryReadLe(bytes, markers_at + 4 * i, narrow)) {
        return false;
      }
      value = narrow;
    }
    if (value != block_starts[i]) {
      return false;
    }
  }
  return true;
}

std::string ExpandName(std::span<const uint8_t> entry, const TokenTables& tokens) {
  std::string name;
  for (uint8_t token : entry) {
    name += tokens.tokens[token];
    if (name.size() > kMaxSymbolLength) {
      throw Error("kallsyms: symbol name longer than " + std::to_string(kMaxSymbolLength) +
                  " bytes");
    }
  }
  return name;
}

// Where one layout puts the tables other than the token tables.
struct TableCandidate {
  uint64_t num_syms_at = 0;
  uint32_t count = 0;
  uint64_t names_at = 0;
  uint64_t names_limit = 0;  // the names end before this offset
  uint64_t offsets_at = 0;
  uint64_t relative_base_at = 0;
};

// Decodes every symbol of a candidate placement and checks it: the names walk to exactly
// `count` entries, the markers after them record every 256th, the addresses are sorted.
std::optional<DecodedKallsyms> DecodeCandidate(std::span<const uint8_t> bytes,
                                               const TokenTables& tokens, const TableCandidate& c) {
  uint64_t relative_base = 0;
  if (!TryReadLe(bytes, c.relative_base_at, relative_base) || relative_base < kKernelAddressFloor ||
      !RangeFits(c.offsets_at, uint64_t{c.count} * 4, bytes.size())) {
    return std::nullopt;
  }
  std::vector<uint64_t> block_starts;
  auto names_end = WalkNames(bytes, c.names_at, c.count, c.names_limit, block_starts);
  if (!names_end) {
    return std::nullopt;
  }
  uint64_t markers_at = AlignUp8(*names_end);
  unsigned width = 0;
  if (MarkersMatch(bytes, markers_at, 8, block_starts)) {
    width = 8;
  } else if (MarkersMatch(bytes, markers_at, 4, block_starts)) {
    width = 4;
  } else {
    return std::nullopt;
  }
  std::vector<KernelSymbol> symbols;
  symbols.reserve(c.count);
  uint64_t entry_at = c.names_at;
  uint64_t previous_address = 0;
  for (uint32_t i = 0; i < c.count; ++i) {
    uint64_t length = bytes[entry_at++];
    if (length & 0x80) {
      length = (length & 0x7f) | (uint64_t{bytes[entry_at++]} << 7);
    }
    std::string name = ExpandName(bytes.subspan(entry_at, length), tokens);
    entry_at += length;
    // CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP): non-negative offsets are absolute
    // addresses (the per-CPU symbols), negative ones count down from relative_base - 1.
    auto offset =
        static_cast<int32_t>(ReadLe<uint32_t>(bytes, c.offsets_at + uint64_t{4} * i, "offset"));
    uint64_t address = offset >= 0 ? static_cast<uint64_t>(offset)
                                   : relative_base - 1 - static_cast<int64_t>(offset);
    if (address < previous_address || name.size() < 2) {
      return std::nullopt;
    }
    previous_address = address;
    symbols.push_back(KernelSymbol{name.substr(1), address, name[0]});
  }
  KallsymsLayout layout;
  layout.offsets = c.offsets_at;
  layout.relative_base_at = c.relative_base_at;
  layout.num_syms_at = c.num_syms_at;
  layout.names = c.names_at;
  layout.markers = markers_at;
  layout.token_table = tokens.table;
  layout.token_index = tokens.index;
  layout.num_syms = c.count;
  layout.relative_base = relative_base;
  layout.marker_width = width;
  return DecodedKallsyms{SymbolTable(std::move(symbols), SymbolSource::kKallsyms), layout};
}

// A plausible kallsyms_num_syms at `at`: a .long count in range, padded to 8 bytes with zeros.
bool PlausibleCount(std::span<const uint8_t> bytes, uint64_t at, uint32_t& count) {
  uint32_t high = 0;
  return TryReadLe(bytes, at, count) && TryReadLe(bytes, at + 4, high) && high == 0 &&
         count >= kMinSymbols && count <= kMaxSymbols;
}

// Linux 6.1's order: offsets, relative_base, num_syms, names, markers, token_table,
// token_index. num_syms sits at an 8-aligned slot below the token table, relative_base in
// the slot before it.
std::optional<DecodedKallsyms> DecodeOffsetsFirst(std::span<const uint8_t> bytes,
                                                  const TokenTables& tokens) {
  for (uint64_t slot = tokens.table; slot >= 16; slot -= 8) {
    uint64_t at = slot - 8;
    uint32_t count = 0;
    if (!PlausibleCount(bytes, at, count)) {
      continue;
    }
    uint64_t relative_base_at = at - 8;
    uint64_t offsets_size = AlignUp8(uint64_t{count} * 4);
    if (relative_base_at < offsets_size) {
      continue;
    }
    TableCandidate c{
        at, count, at + 8, tokens.table, relative_base_at - offsets_size, relative_base_at};
    if (auto decoded = DecodeCandidate(bytes, tokens, c)) {
      return decoded;
    }
  }
  return std::nullopt;
}

// Linux 6.12's order (scripts/kallsyms.c writes offsets after the token tables): num_syms,
// names, markers, token_table, token_index, offsets, relative_base, seqs_of_names. The
// markers (.long, one per 256 symbols) end just before the token table, so a count fixes
// where they start: a candidate is tried only when its first marker is 0 there.
std::optional<DecodedKallsyms> DecodeNamesFirst(std::span<const uint8_t> bytes,
                                                const TokenTables& tokens) {
  uint64_t offsets_at = AlignUp8(tokens.index + 2 * kTokenCount);
  for (uint64_t slot = tokens.table; slot >= 8; slot -= 8) {
    uint64_t at = slot - 8;
    uint32_t count = 0;
    if (!PlausibleCount(bytes, at, count)) {
      continue;
    }
    uint64_t markers_size = AlignUp8(((uint64_t{count} + 255) / 256) * 4);
    uint32_t first_marker = 1;
    if (tokens.table < markers_size || tokens.table - markers_size <= at + 8 ||
        !TryReadLe(bytes, tokens.table - markers_size, first_marker) || first_marker != 0) {
      continue;
    }
    TableCandidate c{at,         count,
                     at + 8,     tokens.table - markers_size,
                     offsets_at, AlignUp8(offsets_at + uint64_t{count} * 4)};
    if (auto decoded = DecodeCandidate(bytes, tokens, c)) {
      return decoded;
    }
  }
  return std::nullopt;
}

}  // namespace

DecodedKallsyms DecodeKallsyms(std::span<const uint8_t> rodata) {
  TokenTables tokens;
  bool found_tokens = false;
  for (uint64_t at = 8; at + kTokenCount * 2 <= rodata.size(); at += 8) {
    // Cheap filter before the full match: index[0] == 0 and index[1] a short token further.
    if (rodata[at] != 0 || rodata[at + 1] != 0 || rodata[at + 3] != 0 || rodata[at + 2] < 2) {
      continue;
    }
    if (!MatchTokenTables(rodata, at, tokens)) {
      continue;
    }
    found_tokens = true;
    if (auto decoded = DecodeOffsetsFirst(rodata, tokens)) {
      return std::move(*decoded);
    }
    if (auto decoded = DecodeNamesFirst(rodata, tokens)) {
      return std::move(*decoded);
    }
  }
  if (!found_tokens) {
    throw Error(
        "kallsyms: no token table in .rodata (kernel built without CONFIG_KALLSYMS, or "
        "not a Linux image); give a System.map or the -dbg vmlinux");
  }
  throw Error(
      "kallsyms: token table found but no consistent names/markers/offsets tables "
      "(the layouts of Linux 6.1 and 6.12 are decoded); give a System.map");
}

DecodedKallsyms DecodeKallsyms(const ElfImage& vmlinux) {
  const ElfSection* rodata = vmlinux.FindSection(".rodata");
  if (rodata == nullptr || !rodata->HasFileBytes()) {
    throw Error("kallsyms: the kernel image has no .rodata section");
  }
  return DecodeKallsyms(vmlinux.Bytes().subspan(rodata->offset, rodata->size));
}

}  // namespace virdomm::monitor
