// libFuzzer target over everything the memory checker parses from untrusted bytes: kernel
// images (bzImage header, ELF), kallsyms tables, System.map text and baseline files; and, with
// the input as a guest's physical memory, page walks of the module area, the ftrace
// trampoline matcher, and the hidden-code scan with its owner lists (modules' text and ITS
// pages, kprobe slot pages, BPF packs and symbols): garbage page tables, list entries and
// target bytes must end in a reason, not a crash.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "memory/baseline.h"
#include "memory/bpf_code.h"
#include "memory/btf_types.h"
#include "memory/code_owners.h"
#include "memory/elf_image.h"
#include "memory/executable_pages.h"
#include "memory/ftrace_trampoline.h"
#include "memory/guest_memory.h"
#include "memory/hidden_code_scan.h"
#include "memory/kallsyms_decoder.h"
#include "memory/kernel_address_space.h"
#include "memory/kernel_image_file.h"
#include "memory/kprobe_slots.h"
#include "memory/module_list.h"
#include "memory/symbol_table.h"

namespace {

// The fuzz input as guest-physical frames; frames past its end are holes.
class InputMemory : public virdomm::monitor::GuestMemory {
 public:
  explicit InputMemory(std::span<const uint8_t> input) {
    frames_.resize((input.size() + virdomm::monitor::kPageSize - 1) / virdomm::monitor::kPageSize);
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      std::size_t length = std::min<std::size_t>(virdomm::monitor::kPageSize,
                                                 input.size() - i * virdomm::monitor::kPageSize);
      frames_[i].assign(virdomm::monitor::kPageSize, 0);
      std::copy_n(input.begin() + static_cast<long>(i * virdomm::monitor::kPageSize), length,
                  frames_[i].begin());
    }
  }
  [[nodiscard]] std::string Describe() const override { return "fuzz input"; }
  [[nodiscard]] uint64_t FrameLimit() const override { return frames_.size(); }
  [[nodiscard]] virdomm::monitor::FrameView MapFrames(std::span<const uint64_t> gfns) override {
    std::vector<const uint8_t*> frames;
    std::vector<int> errors;
    for (uint64_t gfn : gfns) {
      bool present = gfn < frames_.size();
      frames.push_back(present ? frames_[gfn].data() : nullptr);
      errors.push_back(present ? 0 : 14 /*EFAULT*/);
    }
    return {std::move(frames), std::move(errors), nullptr};
  }

 private:
  std::vector<std::vector<uint8_t>> frames_;
};

// The hidden-code scan over garbage: executable pages from the input's tables, owner lists
// whose heads' next pointers come from the input's first words.
void FuzzHiddenCodeScan(const virdomm::monitor::KernelAddressSpace& space,
                        const virdomm::monitor::ModuleLayout& module_layout,
                        std::span<const uint8_t> input,
                        const virdomm::monitor::FtraceTemplate& form) {
  using namespace virdomm::monitor;
  auto word = [input](std::size_t index) {
    uint64_t value = 0;
    if (input.size() >= (index + 1) * 8) {
      std::memcpy(&value, input.data() + index * 8, 8);
    }
    return value;
  };
  CodeOwnerSources sources;
  sources.space = &space;
  sources.read_modules = [&space, &module_layout, word] {
    return ReadModuleList(space, module_layout, kModulesStart + 0x40, word(4));
  };
  sources.has_symbol = [](std::string_view) { return true; };
  sources.read_image_word = [word](std::string_view name, uint64_t offset,
                                   std::string&) -> std::optional<ImageWord> {
    return ImageWord{0xffffffff82000000 + name.size() * 0x100 + offset, word(5 + name.size() % 4)};
  };
  sources.kprobe = KprobeSlotLayout{0x40, 0, 16};
  BpfCodeLayout bpf;
  bpf.pack_list = 0;
  bpf.pack_ptr = 16;
  bpf.ksym_name = 16;
  bpf.ksym_end = 8;
  bpf.ksym_lnode = 528;
  sources.bpf = bpf;
  ExecutableMap map = FindExecutablePages(space);
  (void)ScanModuleArea(space, map, ReadCodeOwners(sources), {form});
}

void FuzzModuleArea(std::span<const uint8_t> input) {
  using namespace virdomm::monitor;
  if (input.empty()) {
    return;
  }
  InputMemory memory(input);
  KernelAddressSpace space(memory, 0, (input[0] & 1) != 0 ? 5 : 4);
  std::vector<uint8_t> bytes(512);
  for (uint64_t address : {kModulesStart, kModulesStart + 0x5fd000, kModulesEnd - 256}) {
    (void)space.Read(address, bytes);
  }
  // A template whose patched spots sit where the input's first bytes say.
  FtraceTemplate form;
  form.name = "fuzz";
  form.bytes.assign(input.begin(),
                    input.begin() + static_cast<long>(std::min<std::size_t>(input.size(), 256)));
  if (form.bytes.size() < 16) {
    return;
  }
  form.op_ptr = input[1] % (form.bytes.size() - 7);
  form.call = input[2] % (form.bytes.size() - 5);
  if ((input[3] & 1) != 0) {
    form.jnz = input[3] % (form.bytes.size() - 2);
  }
  (void)MatchFtraceTrampoline(form, input, kModulesStart);
  // A module list through the same garbage tables, with text ranges and ITS pages.
  const ModuleLayout module_layout{8,     24,   0x150, 0x158, {{0x150, 0x15c}, {0x1a0, 0x1ac}},
                                   0x300, 0x308};
  (void)ReadModuleList(space, module_layout, kModulesStart + 0x40, kModulesStart + 0x1000);
  FuzzHiddenCodeScan(space, module_layout, input, form);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace virdomm::monitor;
  std::span<const uint8_t> input(data, size);
  try {
    VmlinuxBytes vmlinux = ExtractVmlinux(input, std::size_t{16} << 20);
    ElfImage elf(vmlinux.bytes);
    (void)elf.ReadSymbols();
    for (const ElfSection& section : elf.Sections()) {
      (void)elf.BytesAt(section.address, section.size);
    }
  } catch (const virdomm::Error&) {
  }
  try {
    (void)DecodeKallsyms(input);
  } catch (const virdomm::Error&) {
  }
  try {
    (void)ParseSystemMap(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const virdomm::Error&) {
  }
  try {
    static const std::vector<uint8_t> kKey(32, 0x42);
    (void)ParseBaseline(input, kKey);
  } catch (const virdomm::Error&) {
  }
  try {
    BtfTypes btf(input);
    (void)ModuleLayoutFromBtf(btf);
    (void)KprobeSlotLayoutFromBtf(btf);
    (void)BpfCodeLayoutFromBtf(btf);
    (void)btf.SizeOf("module_memory");
  } catch (const virdomm::Error&) {
  }
  FuzzModuleArea(input);
  return 0;
}
