// Patch-site targets judged with the real kernel's bytes and symbols: ftrace's trampoline
// templates from its own ftrace_caller and ftrace_regs_caller, a trampoline made the way
// create_trampoline() makes one, a module's hook that is none, and the image's own static-call
// trampolines, whose link-time JMPs all reach function starts.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "common/error.h"
#include "memory/btf_types.h"
#include "memory/change_classifier.h"
#include "memory/ftrace_trampoline.h"
#include "memory/kernel_model.h"
#include "memory/module_list.h"
#include "memory/patch_target.h"
#include "real_kernel_image.h"

namespace virdomm::monitor {
namespace {

using testing::MakeTrampoline;
using testing::Model;
using testing::PutRelative;
using testing::Templates;

constexpr int64_t kOffset = 0x18e00000;               // a KASLR offset
constexpr uint64_t kTrampoline = 0xffffffffc05fd000;  // where ftrace put one in the live test

uint64_t Runtime(const char* name) {
  return Model().symbols.RequireAddress(name) + static_cast<uint64_t>(kOffset);
}

TEST(FtraceTemplateTest, BothCallersOfTheRealKernelAreTemplates) {
  std::vector<FtraceTemplate> forms = Templates();
  ASSERT_EQ(forms.size(), 2u);
  EXPECT_EQ(forms[0].name, "ftrace_caller");
  EXPECT_FALSE(forms[0].jnz.has_value());
  EXPECT_EQ(forms[1].name, "ftrace_regs_caller");
  ASSERT_TRUE(forms[1].jnz.has_value());
  for (const FtraceTemplate& form : forms) {
    EXPECT_GT(form.bytes.size(), form.call + 5) << form.name;
    EXPECT_EQ(form.bytes[form.call], 0xe8) << form.name;
  }
}

TEST(FtraceTemplateTest, ATrampolineMadeLikeFtraceIsRecognised) {
  for (const FtraceTemplate& form : Templates()) {
    uint64_t handler = Runtime("function_trace_call");
    uint64_t ops = 0xffffffff8953bba0;
    auto match =
        MatchFtraceTrampoline(form, MakeTrampoline(form, handler, ops, kTrampoline), kTrampoline);
    ASSERT_TRUE(match.has_value()) << form.name;
    EXPECT_EQ(match->copy_of, form.name);
    EXPECT_EQ(match->handler, handler);
    EXPECT_EQ(match->ops, ops);
  }
}

TEST(FtraceTemplateTest, AnythingElseIsNoTrampoline) {
  for (const FtraceTemplate& form : Templates()) {
    std::vector<uint8_t> good =
        MakeTrampoline(form, Runtime("function_trace_call"), 1, kTrampoline);
    // One byte of the copy changed, outside the patched spots.
    std::vector<uint8_t> changed = good;
    changed[1] ^= 0xff;
    EXPECT_FALSE(MatchFtraceTrampoline(form, changed, kTrampoline)) << form.name;
    // The ops pointer elsewhere than right after the copy.
    std::vector<uint8_t> far = good;
    PutRelative(far, form.op_ptr + 3, kTrampoline + form.op_ptr + 7, kTrampoline + 0x10000);
    EXPECT_FALSE(MatchFtraceTrampoline(form, far, kTrampoline)) << form.name;
    // Short reads and a module's own function (getpid's bytes stand in for it).
    EXPECT_FALSE(
        MatchFtraceTrampoline(form, std::span(good).first(form.bytes.size() - 1), kTrampoline));
    auto function =
        Model().LinkBytes(Model().symbols.RequireAddress("__x64_sys_getpid"), good.size());
    EXPECT_FALSE(MatchFtraceTrampoline(form, function, kTrampoline)) << form.name;
  }
  if (auto regs = Templates(); regs.size() == 2) {
    std::vector<uint8_t> unpatched =
        MakeTrampoline(regs[1], Runtime("function_trace_call"), 1, kTrampoline);
    unpatched[*regs[1].jnz] = 0x75;  // ftrace always NOPs the jnz
    EXPECT_FALSE(MatchFtraceTrampoline(regs[1], unpatched, kTrampoline));
  }
}

PatchTargetJudge RealJudge() {
  TargetKnowledge knowledge;
  knowledge.symbols = &Model().symbols;
  knowledge.image_start = Model().text_link;
  knowledge.image_end = Model().symbols.RequireAddress("_end");
  knowledge.virtual_offset = kOffset;
  knowledge.ftrace_templates = Templates();
  return PatchTargetJudge(std::move(knowledge));
}

TEST(PatchTargetTest, FtraceSitesOfTheRealKernelGoOnlyToFtrace) {
  PatchTargetJudge judge = RealJudge();
  const SymbolTable& symbols = Model().symbols;
  EXPECT_TRUE(judge.Judge(TargetRule::kFtraceEntry, symbols.RequireAddress("ftrace_caller")).legal);
  EXPECT_TRUE(
      judge.Judge(TargetRule::kFtraceEntry, symbols.RequireAddress("ftrace_regs_caller")).legal);
  TargetVerdict other =
      judge.Judge(TargetRule::kFtraceEntry, symbols.RequireAddress("function_trace_call"));
  EXPECT_FALSE(other.legal);
  EXPECT_EQ(other.target, "function_trace_call+0x0");
  TargetVerdict outside = judge.Judge(TargetRule::kFtraceEntry, kTrampoline - kOffset);
  EXPECT_FALSE(outside.legal);
  EXPECT_EQ(outside.target_address, kTrampoline);
  EXPECT_NE(outside.target.find("module area not readable"), std::string::npos) << outside.target;
}

// Every __SCT__ trampoline of the image that holds a JMP at link time jumps to a function start,
// so the rule holds for what the kernel itself writes there.
TEST(PatchTargetTest, TheImagesStaticCallTrampolinesReachFunctionStarts) {
  PatchTargetJudge judge = RealJudge();
  std::size_t jumps = 0;
  for (const KernelSymbol& symbol : Model().symbols.ByAddress()) {
    if (!symbol.name.starts_with("__SCT__")) {
      continue;
    }
    auto bytes = Model().LinkBytes(symbol.address, 5);
    auto target = BranchTarget(bytes, symbol.address);
    if (!target || bytes[0] != 0xe9) {
      continue;
    }
    ++jumps;
    TargetVerdict verdict = judge.Judge(TargetRule::kFunctionStart, *target);
    EXPECT_TRUE(verdict.legal) << symbol.name << " -> " << verdict.target;
  }
  EXPECT_GT(jumps, 10u);
  // The middle of a function is not a function start.
  uint64_t getpid = Model().symbols.RequireAddress("__x64_sys_getpid");
  EXPECT_FALSE(judge.Judge(TargetRule::kFunctionStart, getpid + 1).legal);
}

// struct module's offsets from the image's own .BTF: `state` then `list` then `name` have led the
// struct for years, the code range sits behind them (6.1: core_layout; 6.12: mem[MOD_TEXT]).
TEST(ModuleLayoutTest, TheImagesBtfGivesStructModule) {
  uint64_t start = Model().symbols.RequireAddress("__start_BTF");
  uint64_t stop = Model().symbols.RequireAddress("__stop_BTF");
  BtfTypes btf(Model().LinkBytes(start, stop - start));
  EXPECT_GT(btf.Count(), 50000u);
  auto layout = ModuleLayoutFromBtf(btf);
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->list, 8u);
  EXPECT_EQ(layout->name, 24u);  // after the 16-byte list_head
  EXPECT_GT(layout->base, layout->name + kModuleNameLength);
  EXPECT_EQ(layout->size, layout->base + 8);
  EXPECT_FALSE(btf.OffsetOf("module", "no_such_member").has_value());
  EXPECT_FALSE(btf.OffsetOf("no_such_struct", "list").has_value());
  // Truncated BTF is refused, not misread.
  EXPECT_THROW(BtfTypes(Model().LinkBytes(start, (stop - start) / 2)), Error);
}

}  // namespace
}  // namespace virdomm::monitor
