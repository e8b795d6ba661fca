// Everything in the guest kernel that may own executable code in the module area, gathered
// afresh for each check: the listed modules' text, kprobes' slot pages and BPF's packs and
// symbols. What cannot be read is kept as a reason; ftrace's trampolines and ITS thunk pages
// have no list read here and are recognised by their bytes (ftrace_trampoline.h,
// its_thunks.h) where nothing else owns a page.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memory/bpf_code.h"
#include "memory/kernel_address_space.h"
#include "memory/kprobe_slots.h"
#include "memory/patch_target.h"

namespace virdomm::monitor {

enum class OwnerKind { kModule, kKprobeSlots, kBpf, kFtraceTrampoline, kItsThunks, kCount };
std::string ToString(OwnerKind kind);

struct CodeOwner {
  OwnerKind kind = OwnerKind::kModule;
  std::string name;  // "virdomm_hook", "kprobe_insn_slots", "bpf_trampoline_…"
  CodeRange range;
};

struct CodeOwners {
  std::vector<CodeOwner> owners;  // sorted by start
  // The module list is what most code belongs to: without it there is no verdict at all.
  std::optional<std::string> modules_unreadable;
  std::vector<std::string> gaps;  // other owner lists that could not be read, in words
};

// The u64 of the image's data at a symbol + offset, read at its physical place (the list heads'
// next pointers, nr_node_ids), and that place's runtime address.
struct ImageWord {
  uint64_t runtime = 0;
  uint64_t value = 0;
};
using ImageWordReader = std::function<std::optional<ImageWord>(std::string_view symbol,
                                                               uint64_t offset, std::string& why)>;

struct CodeOwnerSources {
  const KernelAddressSpace* space = nullptr;
  std::function<TargetKnowledge::ModuleList()> read_modules;
  ImageWordReader read_image_word;  // nullopt with why "no symbol …" when the image lacks one
  std::function<bool(std::string_view symbol)> has_symbol;
  std::optional<KprobeSlotLayout> kprobe;  // from the image's BTF
  std::optional<BpfCodeLayout> bpf;
};

inline constexpr uint64_t kBpfPackPerNode = uint64_t{2} << 20;  // SZ_2M
inline constexpr uint64_t kMaxNumaNodes = 1024;                 // CONFIG_NODES_SHIFT=10

CodeOwners ReadCodeOwners(const CodeOwnerSources& sources);

}  // namespace virdomm::monitor
