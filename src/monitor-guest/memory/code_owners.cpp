// A kernel without kprobes or BPF JIT has no such symbols and nothing of theirs to own; a
// kernel with the symbols but a list that cannot be read leaves a gap in what is known.
#include "memory/code_owners.h"

#include <algorithm>

namespace virdomm::monitor {
namespace {

void AddKprobeSlots(const CodeOwnerSources& sources, std::string_view cache, CodeOwners& out) {
  if (!sources.has_symbol(cache)) {
    return;
  }
  if (!sources.kprobe) {
    out.gaps.push_back(std::string(cache) + ": the image's BTF has no kprobe_insn_cache/page");
    return;
  }
  std::string why;
  // The list head is the cache's `pages` member, in the image's data.
  auto head = sources.read_image_word(cache, sources.kprobe->cache_pages, why);
  if (!head) {
    out.gaps.push_back(std::string(cache) + ".pages: " + why);
    return;
  }
  std::vector<CodeRange> pages;
  if (auto error =
          ReadKprobeSlotPages(*sources.space, *sources.kprobe, head->runtime, head->value, pages)) {
    out.gaps.push_back(std::string(cache) + ": " + *error);
  }
  for (const CodeRange& page : pages) {
    out.owners.push_back({OwnerKind::kKprobeSlots, std::string(cache), page});
  }
}

void AddBpf(const CodeOwnerSources& sources, CodeOwners& out) {
  const bool packs = sources.has_symbol("pack_list");
  const bool symbols = sources.has_symbol("bpf_kallsyms");
  if (!packs && !symbols) {
    return;
  }
  if (!sources.bpf) {
    out.gaps.push_back("BPF code: the image's BTF has no struct bpf_ksym");
    return;
  }
  std::vector<BpfCode> code;
  std::string why;
  if (packs) {
    auto head = sources.read_image_word("pack_list", 0, why);
    auto nodes = sources.read_image_word("nr_node_ids", 0, why);
    // nr_node_ids is the highest possible node + 1: at least num_possible_nodes(), so a pack
    // is never taken as smaller than it is.
    uint64_t count = nodes ? static_cast<uint32_t>(nodes->value) : 0;
    if (!head || !nodes) {
      out.gaps.push_back("BPF program packs: " + why);
    } else if (count == 0 || count > kMaxNumaNodes) {
      out.gaps.push_back("BPF program packs: nr_node_ids is " + std::to_string(count));
    } else if (auto error = ReadBpfPacks(*sources.space, *sources.bpf, head->runtime, head->value,
                                         kBpfPackPerNode * count, code)) {
      out.gaps.push_back("BPF program packs (pack_list): " + *error);
    }
  }
  if (symbols) {
    auto head = sources.read_image_word("bpf_kallsyms", 0, why);
    if (!head) {
      out.gaps.push_back("BPF symbols: " + why);
    } else if (auto error =
                   ReadBpfSymbols(*sources.space, *sources.bpf, head->runtime, head->value, code)) {
      out.gaps.push_back("BPF symbols (bpf_kallsyms): " + *error);
    }
  }
  for (BpfCode& item : code) {
    out.owners.push_back({OwnerKind::kBpf, std::move(item.name), item.range});
  }
}

}  // namespace

std::string ToString(OwnerKind kind) {
  switch (kind) {
    case OwnerKind::kModule:
      return "module";
    case OwnerKind::kKprobeSlots:
      return "kprobe slots";
    case OwnerKind::kBpf:
      return "BPF";
    case OwnerKind::kFtraceTrampoline:
      return "ftrace trampoline";
    case OwnerKind::kItsThunks:
      return "ITS thunks";
    case OwnerKind::kCount:
      break;
  }
  return "unknown";
}

CodeOwners ReadCodeOwners(const CodeOwnerSources& sources) {
  CodeOwners out;
  if (sources.space == nullptr || !sources.read_modules) {
    out.modules_unreadable = "the module area or the module list is not readable";
    return out;
  }
  TargetKnowledge::ModuleList modules = sources.read_modules();
  if (!modules.modules) {
    out.modules_unreadable = modules.unreadable;
    return out;
  }
  for (const ModuleRange& module : *modules.modules) {
    for (const CodeRange& text : module.text) {
      out.owners.push_back({OwnerKind::kModule, module.name, text});
    }
  }
  AddKprobeSlots(sources, "kprobe_insn_slots", out);
  AddKprobeSlots(sources, "kprobe_optinsn_slots", out);
  AddBpf(sources, out);
  std::sort(out.owners.begin(), out.owners.end(),
            [](const CodeOwner& a, const CodeOwner& b) { return a.range.start < b.range.start; });
  return out;
}

}  // namespace virdomm::monitor
