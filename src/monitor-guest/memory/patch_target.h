// Where a CALL or JMP written at a patch site goes, in words, and whether Linux itself would
// send that site there: jump labels only to their entry's own target, ftrace __fentry__ sites
// only to ftrace_caller, ftrace_regs_caller, a trampoline ftrace made or the start of a BPF
// trampoline (ftrace's direct call for fentry/fexit programs), static calls and the
// calls inside ftrace's caller only to the start of a function of the image.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "memory/bpf_code.h"
#include "memory/code_range.h"
#include "memory/ftrace_trampoline.h"
#include "memory/kernel_address_space.h"
#include "memory/symbol_table.h"

namespace virdomm::monitor {

// What the module area holds, as far as the guest's module list tells: each module's code.
struct ModuleRange {
  std::string name;
  uint64_t start = 0;  // runtime addresses, [start, end): the core (6.1) or its text (6.4+)
  uint64_t end = 0;
  // Where the module's code may execute: core and init text, and (with the ITS mitigation) the
  // pages of indirect-branch thunks made for it. Empty ranges are left out.
  std::vector<CodeRange> text;
};

// What a target may be.
enum class TargetRule {
  kJumpLabelTarget,  // the jump entry's own target
  kFtraceEntry,      // ftrace_caller, ftrace_regs_caller, or an ftrace trampoline
  kFunctionStart,    // the first byte of a function of the image
};

struct TargetVerdict {
  bool legal = false;
  std::string target;           // "ftrace_caller+0x0", "outside the kernel image: 0x… (…)"
  uint64_t target_address = 0;  // runtime address, 0 when the KASLR offset is unknown
  std::string why;              // for an illegal target: what Linux would have written
};

struct TargetKnowledge {
  const SymbolTable* symbols = nullptr;
  uint64_t image_start = 0;  // link addresses of the whole image, [_text, _end)
  uint64_t image_end = 0;
  std::optional<int64_t> virtual_offset;  // KASLR; runtime = link + offset
  std::vector<FtraceTemplate> ftrace_templates;
  // The module area, when it can be read; otherwise why not.
  const KernelAddressSpace* module_area = nullptr;
  std::string module_area_unreadable = "no page tables of the guest were given";
  // Reads the guest's module list (at most once per judge, when a target needs an owner):
  // the modules, or why they cannot be had. Empty function: not readable.
  struct ModuleList {
    std::optional<std::vector<ModuleRange>> modules;
    std::string unreadable;
  };
  std::function<ModuleList()> read_modules;
  // Reads the guest's BPF symbols (bpf_kallsyms; at most once per judge, when an ftrace site's
  // target in the module area is no ftrace trampoline): a BPF trampoline's image is named
  // "bpf_trampoline_<key>" and starts where ftrace's direct call goes. Empty: not readable.
  struct BpfSymbols {
    std::optional<std::vector<BpfCode>> symbols;
    std::string unreadable;
  };
  std::function<BpfSymbols()> read_bpf_symbols;
};

class PatchTargetJudge {
 public:
  explicit PatchTargetJudge(TargetKnowledge knowledge);

  // `target_link` is the target as a link-time address: site + length + displacement (the
  // displacement is relative, so the KASLR offset cancels out for targets in the image).
  [[nodiscard]] TargetVerdict Judge(TargetRule rule, uint64_t target_link,
                                    uint64_t expected_link = 0) const;
  // "symbol+0x…" in the image, or "outside the kernel image: 0x… (in module m)".
  [[nodiscard]] std::string NameRuntime(uint64_t runtime) const;

 private:
  [[nodiscard]] bool InImage(uint64_t link) const;
  [[nodiscard]] bool IsFunctionStart(uint64_t link) const;
  [[nodiscard]] std::string OwnerOf(uint64_t runtime) const;
  [[nodiscard]] TargetVerdict JudgeOutside(TargetRule rule, uint64_t runtime) const;
  // The BPF trampoline whose image starts at `runtime`, or why none is known there.
  [[nodiscard]] const BpfCode* BpfTrampolineAt(uint64_t runtime, std::string& why) const;

  TargetKnowledge knowledge_;
  mutable std::optional<TargetKnowledge::ModuleList> modules_;  // read on first need
  mutable std::optional<TargetKnowledge::BpfSymbols> bpf_symbols_;
  std::optional<uint64_t> ftrace_caller_;
  std::optional<uint64_t> ftrace_regs_caller_;
};

}  // namespace virdomm::monitor
