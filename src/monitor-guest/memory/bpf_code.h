// Where BPF keeps executable code in the module area, from kernel/bpf/core.c: `pack_list` of
// struct bpf_prog_pack (5.18 on; each `ptr` is a pack of BPF_PROG_PACK_SIZE = 2 MiB per possible
// NUMA node, made read-only and executable whole, shared by JITed programs, dispatchers and,
// from 6.8, trampolines), and `bpf_kallsyms`, the struct bpf_ksym list of every JITed program
// (unless net.core.bpf_jit_kallsyms is 0), trampoline and dispatcher image with its
// [start, end) and name: programs too large for a pack and 6.1's trampolines have pages of
// their own that only this list names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory/btf_types.h"
#include "memory/code_range.h"
#include "memory/kernel_address_space.h"

namespace virdomm::monitor {

struct BpfCodeLayout {
  std::optional<uint64_t> pack_list;  // struct bpf_prog_pack: list_head `list`, void *ptr
  std::optional<uint64_t> pack_ptr;
  uint64_t ksym_start = 0;  // struct bpf_ksym: unsigned long start, end; char name[]; lnode
  uint64_t ksym_end = 0;
  uint64_t ksym_name = 0;
  uint64_t ksym_lnode = 0;
};

std::optional<BpfCodeLayout> BpfCodeLayoutFromBtf(const BtfTypes& btf);

struct BpfCode {
  std::string name;  // "BPF program pack", or the bpf_ksym's name ("bpf_trampoline_…")
  CodeRange range;
};

inline constexpr std::size_t kMaxBpfPacks = 4096;
inline constexpr std::size_t kMaxBpfSymbols = 16384;
inline constexpr std::size_t kBpfNameRead = 64;  // of KSYM_NAME_LEN, enough to say what it is

// Each pack's [ptr, ptr + pack_size). `head`: runtime address of pack_list, `head_next` its next.
std::optional<std::string> ReadBpfPacks(const KernelAddressSpace& space,
                                        const BpfCodeLayout& layout, uint64_t head,
                                        uint64_t head_next, uint64_t pack_size,
                                        std::vector<BpfCode>& code);
// Each bpf_ksym's [start, end) (at most 64 MiB each) and name, from bpf_kallsyms.
std::optional<std::string> ReadBpfSymbols(const KernelAddressSpace& space,
                                          const BpfCodeLayout& layout, uint64_t head,
                                          uint64_t head_next, std::vector<BpfCode>& code);

}  // namespace virdomm::monitor
