// Names are kept only when printable: they come from guest memory.
#include "memory/bpf_code.h"

#include <array>

#include "common/hex.h"
#include "memory/kernel_list.h"

namespace virdomm::monitor {
namespace {

constexpr uint64_t kMaxSymbolSpan = uint64_t{64} << 20;

std::string PrintableName(std::span<const uint8_t> bytes) {
  std::string name;
  for (uint8_t byte : bytes) {
    if (byte == 0) {
      break;
    }
    name += byte >= 0x21 && byte < 0x7f ? static_cast<char>(byte) : '?';
  }
  return name.empty() ? "?" : name;
}

}  // namespace

std::optional<BpfCodeLayout> BpfCodeLayoutFromBtf(const BtfTypes& btf) {
  auto start = btf.OffsetOf("bpf_ksym", "start");
  auto end = btf.OffsetOf("bpf_ksym", "end");
  auto name = btf.OffsetOf("bpf_ksym", "name");
  auto lnode = btf.OffsetOf("bpf_ksym", "lnode");
  if (!start || !end || !name || !lnode) {
    return std::nullopt;
  }
  BpfCodeLayout layout;
  layout.pack_list = btf.OffsetOf("bpf_prog_pack", "list");
  layout.pack_ptr = btf.OffsetOf("bpf_prog_pack", "ptr");
  layout.ksym_start = *start;
  layout.ksym_end = *end;
  layout.ksym_name = *name;
  layout.ksym_lnode = *lnode;
  return layout;
}

std::optional<std::string> ReadBpfPacks(const KernelAddressSpace& space,
                                        const BpfCodeLayout& layout, uint64_t head,
                                        uint64_t head_next, uint64_t pack_size,
                                        std::vector<BpfCode>& code) {
  if (!layout.pack_list || !layout.pack_ptr) {
    return "the image's BTF has no struct bpf_prog_pack";
  }
  return WalkKernelList(
      space, head, head_next, kMaxBpfPacks, [&](uint64_t node) -> std::optional<std::string> {
        std::string why;
        auto ptr = ReadKernelU64(space, node - *layout.pack_list + *layout.pack_ptr, why);
        if (!ptr) {
          return "bpf_prog_pack.ptr: " + why;
        }
        if (*ptr != 0 && *ptr + pack_size > *ptr) {
          code.push_back({"BPF program pack", {*ptr, *ptr + pack_size}});
        }
        return std::nullopt;
      });
}

std::optional<std::string> ReadBpfSymbols(const KernelAddressSpace& space,
                                          const BpfCodeLayout& layout, uint64_t head,
                                          uint64_t head_next, std::vector<BpfCode>& code) {
  return WalkKernelList(space, head, head_next, kMaxBpfSymbols,
                        [&](uint64_t node) -> std::optional<std::string> {
                          const uint64_t ksym = node - layout.ksym_lnode;
                          std::string why;
                          auto start = ReadKernelU64(space, ksym + layout.ksym_start, why);
                          auto end = ReadKernelU64(space, ksym + layout.ksym_end, why);
                          std::array<uint8_t, kBpfNameRead> name{};
                          VirtualRead read = space.ReadKernel(ksym + layout.ksym_name, name);
                          if (!start || !end || !read.Ok()) {
                            return "bpf_ksym: " + (read.Ok() ? why : *read.error);
                          }
                          if (*end > *start && *end - *start <= kMaxSymbolSpan) {
                            code.push_back({PrintableName(name), {*start, *end}});
                          } else if (*end != *start) {
                            return "bpf_ksym " + PrintableName(name) + " spans " +
                                   HexNumber(*start) + "-" + HexNumber(*end);
                          }
                          return std::nullopt;
                        });
}

}  // namespace virdomm::monitor
