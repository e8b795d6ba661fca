// What the checker knows about one kernel build, from its trusted image: symbols, the banner,
// the regions to watch (text, rodata, sys_call_table) and the runtime patch sites.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memory/elf_image.h"
#include "memory/kernel_image_file.h"
#include "memory/patch_sites.h"
#include "memory/symbol_table.h"

namespace virdomm::monitor {

struct KernelRegion {
  std::string name;    // "text" or "rodata"
  uint64_t start = 0;  // link-time addresses, [start, end)
  uint64_t end = 0;
};

struct KernelModel {
  std::string banner;   // "Linux version 6.1.0-… (…) #1 SMP …", without the trailing newline
  std::string release;  // "6.1.0-56-amd64"
  uint64_t text_link = 0;    // _text
  uint64_t banner_link = 0;  // linux_banner
  uint64_t sys_call_table = 0;
  uint64_t sys_call_table_entries = 0;
  std::vector<KernelRegion> regions;
  SymbolTable symbols;
  PatchSites sites;
  std::vector<uint8_t> vmlinux;  // the image; keeps link-time bytes for comparisons
  std::string image_origin;
  [[nodiscard]] std::span<const uint8_t> LinkBytes(uint64_t address, uint64_t length) const;
};

struct KernelSources {
  std::filesystem::path kernel;                      // vmlinuz or vmlinux
  std::optional<std::filesystem::path> system_map;   // real System.map
  std::optional<std::filesystem::path> symbols_elf;  // -dbg vmlinux with .symtab
};

// Loads the image and picks symbols: System.map, else the -dbg ELF, else the image's own
// .symtab, else kallsyms. Symbols that disagree with the image (linux_banner not pointing at
// the banner) are refused.
KernelModel LoadKernelModel(const KernelSources& sources);
KernelModel BuildKernelModel(VmlinuxBytes image, std::optional<SymbolTable> symbols);

}  // namespace virdomm::monitor
