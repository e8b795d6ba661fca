// One slot page is one page (alloc_insn_page() allocates PAGE_SIZE, 6.1 and 6.12 alike).
#include "memory/kprobe_slots.h"

#include "memory/kernel_list.h"

namespace virdomm::monitor {

std::optional<KprobeSlotLayout> KprobeSlotLayoutFromBtf(const BtfTypes& btf) {
  auto pages = btf.OffsetOf("kprobe_insn_cache", "pages");
  auto list = btf.OffsetOf("kprobe_insn_page", "list");
  auto insns = btf.OffsetOf("kprobe_insn_page", "insns");
  if (!pages || !list || !insns) {
    return std::nullopt;
  }
  return KprobeSlotLayout{*pages, *list, *insns};
}

std::optional<std::string> ReadKprobeSlotPages(const KernelAddressSpace& space,
                                               const KprobeSlotLayout& layout, uint64_t pages_head,
                                               uint64_t head_next, std::vector<CodeRange>& pages) {
  return WalkKernelList(space, pages_head, head_next, kMaxKprobeSlotPages,
                        [&](uint64_t node) -> std::optional<std::string> {
                          std::string why;
                          auto insns = ReadKernelU64(
                              space, node - layout.page_list + layout.page_insns, why);
                          if (!insns) {
                            return "kprobe_insn_page.insns: " + why;
                          }
                          if (*insns != 0 && *insns + kPageSize > *insns) {
                            pages.push_back({*insns, *insns + kPageSize});
                          }
                          return std::nullopt;
                        });
}

}  // namespace virdomm::monitor
