// Decodes the compressed kallsyms tables that Linux 6.1 (CONFIG_KALLSYMS_BASE_RELATIVE,
// CONFIG_KALLSYMS_ABSOLUTE_PERCPU) and 6.12 (the same encoding, tables in another order)
// embed in .rodata, found by their structure alone.
#pragma once

#include <cstdint>
#include <span>

#include "memory/elf_image.h"
#include "memory/symbol_table.h"

namespace virdomm::monitor {

// Where the tables were found, as offsets into the searched bytes; for diagnostics and tests.
struct KallsymsLayout {
  uint64_t offsets = 0;
  uint64_t relative_base_at = 0;
  uint64_t num_syms_at = 0;
  uint64_t names = 0;
  uint64_t markers = 0;
  uint64_t token_table = 0;
  uint64_t token_index = 0;
  uint32_t num_syms = 0;
  uint64_t relative_base = 0;
  unsigned marker_width = 0;  // 4 or 8 bytes
};

struct DecodedKallsyms {
  SymbolTable symbols;
  KallsymsLayout layout;
};

// Searches `rodata` (the bytes of .rodata, 8-byte aligned at its start) for the tables.
// Throws Error when no consistent set is found. Work is bounded by the input size.
DecodedKallsyms DecodeKallsyms(std::span<const uint8_t> rodata);

// Same over the .rodata section of a vmlinux.
DecodedKallsyms DecodeKallsyms(const ElfImage& vmlinux);

}  // namespace virdomm::monitor
