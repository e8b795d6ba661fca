// Naming and judging patch-site targets. Whatever the module area cannot show is said, never
// guessed: an unreadable target is not ftrace's.
#include "memory/patch_target.h"

#include <algorithm>
#include <vector>

#include "common/hex.h"

namespace virdomm::monitor {
namespace {

bool IsFunctionType(char type) { return type == 'T' || type == 't' || type == 'W' || type == 'w'; }

}  // namespace

PatchTargetJudge::PatchTargetJudge(TargetKnowledge knowledge) : knowledge_(std::move(knowledge)) {
  ftrace_caller_ = knowledge_.symbols->AddressOf("ftrace_caller");
  ftrace_regs_caller_ = knowledge_.symbols->AddressOf("ftrace_regs_caller");
}

bool PatchTargetJudge::InImage(uint64_t link) const {
  return link >= knowledge_.image_start && link < knowledge_.image_end;
}

bool PatchTargetJudge::IsFunctionStart(uint64_t link) const {
  const KernelSymbol* symbol = knowledge_.symbols->Containing(link);
  if (symbol == nullptr || symbol->address != link) {
    return false;
  }
  // Several names can share the address (Containing gives the first); one function is enough.
  const auto& all = knowledge_.symbols->ByAddress();
  for (const KernelSymbol* at = symbol; at < all.data() + all.size() && at->address == link; ++at) {
    if (IsFunctionType(at->type)) {
      return true;
    }
  }
  return false;
}

std::string PatchTargetJudge::OwnerOf(uint64_t runtime) const {
  if (!InModuleArea(runtime)) {
    return "not in the module area";
  }
  if (!modules_) {
    modules_ = knowledge_.read_modules
                   ? knowledge_.read_modules()
                   : TargetKnowledge::ModuleList{std::nullopt, "the module list was not read"};
  }
  if (!modules_->modules) {
    return "module list not readable: " + modules_->unreadable;
  }
  for (const ModuleRange& module : *modules_->modules) {
    if (runtime >= module.start && runtime < module.end) {
      return "in module " + module.name;
    }
  }
  return "in no module of the guest's module list";
}

const BpfCode* PatchTargetJudge::BpfTrampolineAt(uint64_t runtime, std::string& why) const {
  if (!bpf_symbols_) {
    bpf_symbols_ = knowledge_.read_bpf_symbols
                       ? knowledge_.read_bpf_symbols()
                       : TargetKnowledge::BpfSymbols{std::nullopt, "not read"};
  }
  if (!bpf_symbols_->symbols) {
    why = "BPF symbols not readable: " + bpf_symbols_->unreadable;
    return nullptr;
  }
  for (const BpfCode& code : *bpf_symbols_->symbols) {
    if (code.range.start == runtime && code.name.starts_with("bpf_trampoline_")) {
      return &code;
    }
  }
  return nullptr;
}

std::string PatchTargetJudge::NameRuntime(uint64_t runtime) const {
  if (knowledge_.virtual_offset) {
    uint64_t link = runtime - static_cast<uint64_t>(*knowledge_.virtual_offset);
    if (InImage(link)) {
      return knowledge_.symbols->Describe(link);
    }
  }
  return "outside the kernel image: " + HexNumber(runtime) + " (" + OwnerOf(runtime) + ")";
}

TargetVerdict PatchTargetJudge::JudgeOutside(TargetRule rule, uint64_t runtime) const {
  TargetVerdict verdict;
  verdict.target_address = runtime;
  std::string place = "outside the kernel image: " + HexNumber(runtime);
  if (rule != TargetRule::kFtraceEntry) {
    verdict.target = place + " (" + OwnerOf(runtime) + ")";
    verdict.why = rule == TargetRule::kJumpLabelTarget
                      ? "a jump label only jumps to its entry's own target"
                      : "a static call only goes to a function of the kernel image";
    return verdict;
  }
  if (!InModuleArea(runtime)) {
    verdict.target = place + " (not in the module area, where ftrace allocates trampolines)";
    verdict.why = "ftrace sites call ftrace_caller, ftrace_regs_caller or an ftrace trampoline";
    return verdict;
  }
  if (knowledge_.module_area == nullptr) {
    verdict.target =
        place + " (module area not readable: " + knowledge_.module_area_unreadable + ")";
    verdict.why = "a target that cannot be read cannot be attributed to ftrace";
    return verdict;
  }
  std::size_t longest = 0;
  for (const FtraceTemplate& form : knowledge_.ftrace_templates) {
    longest = std::max(longest, form.bytes.size() + kTrampolineTail);
  }
  std::vector<uint8_t> bytes(longest);
  VirtualRead read = knowledge_.module_area->Read(runtime, bytes);
  if (!read.Ok()) {
    verdict.target = place + " (module area not readable: " + *read.error + ")";
    verdict.why = "a target that cannot be read cannot be attributed to ftrace";
    return verdict;
  }
  for (const FtraceTemplate& form : knowledge_.ftrace_templates) {
    if (auto match = MatchFtraceTrampoline(form, bytes, runtime)) {
      verdict.legal = true;
      verdict.target = "ftrace trampoline at " + HexNumber(runtime) + " (copy of " +
                       match->copy_of + ", calls " + NameRuntime(match->handler) +
                       (match->ops ? ", ops " + HexNumber(*match->ops) : std::string()) + ")";
      return verdict;
    }
  }
  std::string bpf_why;
  if (const BpfCode* trampoline = BpfTrampolineAt(runtime, bpf_why)) {
    verdict.legal = true;
    verdict.target = "BPF trampoline " + trampoline->name + " at " + HexNumber(runtime);
    return verdict;
  }
  verdict.target = place + " (" + OwnerOf(runtime) + (bpf_why.empty() ? "" : "; " + bpf_why) + ")";
  verdict.why = knowledge_.ftrace_templates.empty()
                    ? "no ftrace trampoline template in this kernel's image to compare with"
                    : "not ftrace's code, a trampoline ftrace made, nor a BPF trampoline";
  return verdict;
}

TargetVerdict PatchTargetJudge::Judge(TargetRule rule, uint64_t target_link,
                                      uint64_t expected_link) const {
  if (!InImage(target_link)) {
    if (!knowledge_.virtual_offset) {
      TargetVerdict verdict;
      verdict.target =
          "outside the kernel image (runtime address unknown: the baseline has no "
          "KASLR offset)";
      verdict.why = "a target outside the image that cannot be placed cannot be attributed";
      return verdict;
    }
    return JudgeOutside(rule, target_link + static_cast<uint64_t>(*knowledge_.virtual_offset));
  }
  TargetVerdict verdict;
  verdict.target = knowledge_.symbols->Describe(target_link);
  if (knowledge_.virtual_offset) {
    verdict.target_address = target_link + static_cast<uint64_t>(*knowledge_.virtual_offset);
  }
  switch (rule) {
    case TargetRule::kJumpLabelTarget:
      verdict.legal = target_link == expected_link;
      verdict.why = "the jump entry's target is " + knowledge_.symbols->Describe(expected_link);
      break;
    case TargetRule::kFtraceEntry:
      verdict.legal = target_link == ftrace_caller_ || target_link == ftrace_regs_caller_;
      verdict.why = "ftrace sites call ftrace_caller, ftrace_regs_caller or an ftrace trampoline";
      break;
    case TargetRule::kFunctionStart:
      verdict.legal = IsFunctionStart(target_link);
      verdict.why = "not the start of a function of the image";
      break;
  }
  if (verdict.legal) {
    verdict.why.clear();
  }
  return verdict;
}

}  // namespace virdomm::monitor
