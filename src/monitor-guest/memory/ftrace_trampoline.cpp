// Template comparison of ftrace trampolines (arch/x86/kernel/ftrace.c create_trampoline()).
#include "memory/ftrace_trampoline.h"

#include <cstring>

#include "memory/byte_reader.h"

namespace virdomm::monitor {
namespace {

constexpr uint8_t kMovRipRdx[] = {0x48, 0x8b, 0x15};  // mov disp32(%rip),%rdx
constexpr std::size_t kMovLength = 7;
constexpr uint8_t kCall32 = 0xe8;
constexpr uint8_t kJnz8 = 0x75;
constexpr uint8_t kNop2[] = {0x66, 0x90};  // x86_nops[2]
// Trampolines are small; a template outside this range is not ftrace's.
constexpr uint64_t kMaxTemplate = 4096;

struct Form {
  const char* start;
  const char* end;
  const char* op_ptr;
  const char* call;
  const char* jnz;  // nullptr: none
};

constexpr Form kForms[] = {
    {"ftrace_caller", "ftrace_caller_end", "ftrace_caller_op_ptr", "ftrace_call", nullptr},
    {"ftrace_regs_caller", "ftrace_regs_caller_end", "ftrace_regs_caller_op_ptr",
     "ftrace_regs_call", "ftrace_regs_caller_jmp"},
};

std::optional<uint64_t> OffsetIn(const SymbolTable& symbols, const char* name, uint64_t start,
                                 uint64_t size, uint64_t length) {
  auto address = symbols.AddressOf(name);
  if (!address || *address < start || *address - start > size ||
      size - (*address - start) < length) {
    return std::nullopt;
  }
  return *address - start;
}

bool Masked(const FtraceTemplate& form, uint64_t i) {
  return (i >= form.op_ptr + 3 && i < form.op_ptr + kMovLength) ||
         (i >= form.call && i < form.call + 5) || (form.jnz && i >= *form.jnz && i < *form.jnz + 2);
}

uint64_t Relative(uint64_t next_instruction, int32_t displacement) {
  return next_instruction + static_cast<uint64_t>(static_cast<int64_t>(displacement));
}

}  // namespace

std::vector<FtraceTemplate> ReadFtraceTemplates(
    const SymbolTable& symbols,
    const std::function<std::span<const uint8_t>(uint64_t, uint64_t)>& bytes_at) {
  std::vector<FtraceTemplate> forms;
  for (const Form& form : kForms) {
    auto start = symbols.AddressOf(form.start);
    auto end = symbols.AddressOf(form.end);
    if (!start || !end || *end <= *start || *end - *start > kMaxTemplate) {
      continue;
    }
    uint64_t size = *end - *start;
    auto op_ptr = OffsetIn(symbols, form.op_ptr, *start, size, kMovLength);
    auto call = OffsetIn(symbols, form.call, *start, size, 5);
    std::optional<uint64_t> jnz;
    if (form.jnz != nullptr) {
      jnz = OffsetIn(symbols, form.jnz, *start, size, 2);
      if (!jnz) {
        continue;
      }
    }
    std::span<const uint8_t> bytes = bytes_at(*start, size);
    if (!op_ptr || !call || bytes.size() != size ||
        std::memcmp(bytes.data() + *op_ptr, kMovRipRdx, sizeof(kMovRipRdx)) != 0 ||
        bytes[*call] != kCall32 || (jnz && bytes[*jnz] != kJnz8)) {
      continue;
    }
    forms.push_back(FtraceTemplate{
        form.start, *start, std::vector<uint8_t>(bytes.begin(), bytes.end()), *op_ptr, *call, jnz});
  }
  return forms;
}

std::optional<TrampolineMatch> MatchFtraceTrampoline(const FtraceTemplate& form,
                                                     std::span<const uint8_t> candidate,
                                                     uint64_t address) {
  const uint64_t size = form.bytes.size();
  if (candidate.size() < size) {
    return std::nullopt;
  }
  for (uint64_t i = 0; i < size; ++i) {
    if (!Masked(form, i) && candidate[i] != form.bytes[i]) {
      return std::nullopt;
    }
  }
  if (candidate[form.call] != kCall32 ||
      (form.jnz && std::memcmp(candidate.data() + *form.jnz, kNop2, sizeof(kNop2)) != 0)) {
    return std::nullopt;
  }
  // The ops pointer sits right after the copy and its return instruction (1 to 5 bytes).
  auto op_displacement = static_cast<int32_t>(ReadLe<uint32_t>(candidate, form.op_ptr + 3, "op"));
  uint64_t ops_at = Relative(address + form.op_ptr + kMovLength, op_displacement);
  if (ops_at <= address + size || ops_at > address + size + 8) {
    return std::nullopt;
  }
  TrampolineMatch match;
  match.copy_of = form.name;
  auto call_displacement = static_cast<int32_t>(ReadLe<uint32_t>(candidate, form.call + 1, "call"));
  match.handler = Relative(address + form.call + 5, call_displacement);
  uint64_t ops = 0;
  if (TryReadLe(candidate, ops_at - address, ops)) {
    match.ops = ops;
  }
  return match;
}

}  // namespace virdomm::monitor
