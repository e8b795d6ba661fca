// kprobes' instruction slot pages: x86 copies each probed instruction into a slot of a page it
// allocates in the module area and makes executable (kprobe_insn_slots; optimised probes'
// detour buffers in kprobe_optinsn_slots). A cache (struct kprobe_insn_cache, in the image's
// data) lists its pages (struct kprobe_insn_page, kmalloc'd), each naming its page by `insns`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory/btf_types.h"
#include "memory/code_range.h"
#include "memory/kernel_address_space.h"

namespace virdomm::monitor {

struct KprobeSlotLayout {
  uint64_t cache_pages = 0;  // struct kprobe_insn_cache: the list_head `pages`
  uint64_t page_list = 0;    // struct kprobe_insn_page: the list_head `list`
  uint64_t page_insns = 0;   //   and kprobe_opcode_t *insns
};

std::optional<KprobeSlotLayout> KprobeSlotLayoutFromBtf(const BtfTypes& btf);

inline constexpr std::size_t kMaxKprobeSlotPages = 4096;

// Appends one page-sized range per slot page of the cache whose `pages` list head is at
// `pages_head` (runtime) with `head_next` as its next pointer; the reason when the list breaks.
std::optional<std::string> ReadKprobeSlotPages(const KernelAddressSpace& space,
                                               const KprobeSlotLayout& layout, uint64_t pages_head,
                                               uint64_t head_next, std::vector<CodeRange>& pages);

}  // namespace virdomm::monitor
