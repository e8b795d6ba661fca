// The guest's loaded modules, walked from the image's `modules` list head with struct module's
// offsets from the image's own BTF: each module's name and the range of its core (6.1's
// core_layout) or text (6.4+'s mem[MOD_TEXT]). Bounded: at most kMaxModules entries, every
// read checked; a broken list ends the walk with its reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory/btf_types.h"
#include "memory/guest_memory.h"
#include "memory/kernel_address_space.h"
#include "memory/patch_target.h"

namespace virdomm::monitor {

struct ModuleLayout {
  uint64_t list = 0;  // offsets in struct module
  uint64_t name = 0;
  uint64_t base = 0;  // void * of the code range
  uint64_t size = 0;  // unsigned int
  // Each text range: a void * and an unsigned int of its size. 6.1: core_layout.base with
  // core_layout.text_size, init_layout likewise; 6.4 on: mem[MOD_TEXT] and mem[MOD_INIT_TEXT].
  struct TextField {
    uint64_t base = 0;
    uint64_t size = 0;
  };
  std::vector<TextField> text;
  // CONFIG_MITIGATION_ITS: int its_num_pages and void **its_page_array (one page each).
  std::optional<uint64_t> its_num_pages;
  std::optional<uint64_t> its_page_array;
};

// From BTF: core_layout.{base,size} (Linux up to 6.3) or mem.{base,size} (6.4 on).
std::optional<ModuleLayout> ModuleLayoutFromBtf(const BtfTypes& btf);

inline constexpr std::size_t kMaxModules = 4096;
inline constexpr uint32_t kMaxItsPages = 256;         // thunk pages a module may have
inline constexpr std::size_t kModuleNameLength = 56;  // MODULE_NAME_LEN on 64-bit

// `head_next`: the `next` pointer of the list head (read from the image's data), `head`: the
// head's runtime address (where the list ends).
TargetKnowledge::ModuleList ReadModuleList(const KernelAddressSpace& module_area,
                                           const ModuleLayout& layout, uint64_t head,
                                           uint64_t head_next);

}  // namespace virdomm::monitor
