// Recognises ftrace's own trampolines outside the kernel image by their bytes. On x86-64,
// create_trampoline() copies ftrace_caller (or ftrace_regs_caller for ops that save registers)
// up to its *_end label into the module area and patches three things: the displacement of
// `mov function_trace_op(%rip),%rdx` (to the ops pointer stored after the copy), the handler
// call at ftrace_call / ftrace_regs_call, and (regs) the `jnz` at ftrace_regs_caller_jmp to a
// 2-byte NOP. Comparing a target's bytes with the image's copy, those spots left out, needs no
// struct layout.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "memory/symbol_table.h"

namespace virdomm::monitor {

struct FtraceTemplate {
  std::string name;             // "ftrace_caller" or "ftrace_regs_caller"
  uint64_t link = 0;            // link address of the original
  std::vector<uint8_t> bytes;   // [name, name_end) as the running kernel has them
  uint64_t op_ptr = 0;          // offset of the 7-byte `mov function_trace_op(%rip),%rdx`
  uint64_t call = 0;            // offset of the 5-byte handler call
  std::optional<uint64_t> jnz;  // regs only: offset of the 2-byte `jnz` ftrace turns into NOP2
};

struct TrampolineMatch {
  std::string copy_of;          // the template's name
  uint64_t handler = 0;         // what the trampoline calls (runtime address)
  std::optional<uint64_t> ops;  // the ftrace_ops it serves, when the bytes hold it
};

// Bytes to read at a candidate so that MatchFtraceTrampoline sees the ops pointer too: the copy,
// the return (RET or a JMP to the return thunk, at most 5 bytes) and 8 bytes of pointer.
inline constexpr std::size_t kTrampolineTail = 16;

// Templates of this kernel, from `bytes_at(link, length)` (the baseline's text, or the image's):
// empty when the symbols are missing or the bytes are not the expected instructions.
std::vector<FtraceTemplate> ReadFtraceTemplates(
    const SymbolTable& symbols,
    const std::function<std::span<const uint8_t>(uint64_t, uint64_t)>& bytes_at);

// Whether `candidate` (read at runtime address `address`) is a trampoline made from `form`.
std::optional<TrampolineMatch> MatchFtraceTrampoline(const FtraceTemplate& form,
                                                     std::span<const uint8_t> candidate,
                                                     uint64_t address);

}  // namespace virdomm::monitor
