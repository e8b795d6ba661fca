// The real Debian kernel the image tests decode (VIRDOMM_MEMORY_KERNEL, or the environment's
// override for 6.12), shared by their files, and ftrace trampolines made from its own code.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "memory/ftrace_trampoline.h"
#include "memory/kernel_model.h"

namespace virdomm::monitor::testing {

inline const KernelModel& Model() {
  static const KernelModel model = [] {
    const char* path = std::getenv("VIRDOMM_MEMORY_KERNEL");
    return LoadKernelModel(
        KernelSources{path != nullptr && *path != '\0' ? path : VIRDOMM_MEMORY_KERNEL, {}, {}});
  }();
  return model;
}

inline std::vector<FtraceTemplate> Templates() {
  return ReadFtraceTemplates(Model().symbols, [](uint64_t link, uint64_t length) {
    return Model().LinkBytes(link, length);
  });
}

inline void PutRelative(std::vector<uint8_t>& bytes, uint64_t at, uint64_t from, uint64_t to) {
  auto rel = static_cast<int32_t>(static_cast<int64_t>(to - from));
  std::memcpy(bytes.data() + at, &rel, 4);
}

// What create_trampoline() writes: the copy, a 5-byte return (JMP to the return thunk), the ops
// pointer, and the three patched spots.
inline std::vector<uint8_t> MakeTrampoline(const FtraceTemplate& form, uint64_t handler,
                                           uint64_t ops, uint64_t at) {
  std::vector<uint8_t> bytes = form.bytes;
  const uint64_t size = bytes.size();
  bytes.resize(size + kTrampolineTail, 0xcc);
  bytes[size] = 0xe9;
  std::memcpy(bytes.data() + size + 5, &ops, 8);
  PutRelative(bytes, form.op_ptr + 3, at + form.op_ptr + 7, at + size + 5);
  PutRelative(bytes, form.call + 1, at + form.call + 5, handler);
  if (form.jnz) {
    bytes[*form.jnz] = 0x66;
    bytes[*form.jnz + 1] = 0x90;
  }
  return bytes;
}

}  // namespace virdomm::monitor::testing
