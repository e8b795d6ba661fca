// Classification of changed bytes: patch sites, what Linux writes there, kprobes, rodata and
// sys_call_table entries, and the grouping of byte runs into changes.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "memory/change_classifier.h"

namespace virdomm::monitor {
namespace {

constexpr uint64_t kBase = 0xffffffff81000000;

class ClassifierTest : public ::testing::Test {
 protected:
  ClassifierTest()
      : symbols_({{"_text", kBase, 'T'},
                  {"func_a", kBase + 0x100, 'T'},
                  {"func_b", kBase + 0x200, 'T'},
                  {"__x64_sys_read", kBase + 0x300, 'T'},
                  {"__x64_sys_getpid", kBase + 0x340, 'T'},
                  {"ftrace_caller", kBase + 0x600, 'T'},
                  {"ftrace_regs_caller", kBase + 0x680, 'T'},
                  {"sys_call_table", kBase + 0x800, 'R'},
                  {"after_table", kBase + 0x810, 'R'},
                  {"_end", kBase + 0x1000, 'B'}},
                 SymbolSource::kSystemMap),
        sites_({{kBase + 0x110, 5, SiteKind::kJumpLabel, kBase + 0x150},
                {kBase + 0x200, 5, SiteKind::kFtrace, 0},
                {kBase + 0x220, 5, SiteKind::kStaticCall, 0}}),
        old_(0x1000, 0x90),
        new_(old_) {
    // NOP5 at the jump label and the ftrace site, as the kernel leaves them at boot.
    for (uint64_t site : {0x110, 0x200}) {
      std::copy(kNop5.begin(), kNop5.end(), old_.begin() + static_cast<long>(site));
    }
    new_ = old_;
    context_.symbols = &symbols_;
    context_.sites = &sites_;
    context_.sys_call_table = kBase + 0x800;
    context_.sys_call_entries = 2;
    context_.virtual_offset = 0x18e00000;
  }

  std::vector<Change> Classify(const std::string& region) {
    RegionDiff diff{region, kBase, old_, new_};
    return ClassifyRuns(diff, DiffRuns(old_, new_, kBase), context_);
  }
  void Write(uint64_t offset, std::vector<uint8_t> bytes) {
    std::copy(bytes.begin(), bytes.end(), new_.begin() + static_cast<long>(offset));
  }

  static constexpr std::array<uint8_t, 5> kNop5 = {0x0f, 0x1f, 0x44, 0x00, 0x00};
  SymbolTable symbols_;
  PatchSites sites_;
  std::vector<uint8_t> old_;
  std::vector<uint8_t> new_;
  ClassifyContext context_;
};

TEST_F(ClassifierTest, IdenticalBytesGiveNoChange) { EXPECT_TRUE(Classify("text").empty()); }

TEST_F(ClassifierTest, JumpLabelToItsOwnTargetIsClassified) {
  // jmp rel32 from 0x110 to 0x150: rel = 0x150 - 0x115 = 0x3b.
  Write(0x110, {0xe9, 0x3b, 0x00, 0x00, 0x00});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kJumpLabel);
  EXPECT_EQ(changes[0].GetSeverity(), Severity::kWarning);
  EXPECT_EQ(changes[0].location, "func_a+0x10");
  EXPECT_EQ(changes[0].old_bytes, std::vector<uint8_t>(kNop5.begin(), kNop5.end()));
  EXPECT_EQ(changes[0].new_bytes, (std::vector<uint8_t>{0xe9, 0x3b, 0, 0, 0}));
}

// DO_ONCE: a `___once_key` is true at boot (the site a JMP to the one-time code) and disabled
// for good once that code ran (net_get_random_once() at the first TCP connection): the site
// becomes a NOP. That flip is the kernel's own, one way; the other way round is still reported.
TEST(OnceKeyTest, ADisabledOnceKeyIsDoneAndNothingElseIs) {
  Change done;
  done.kind = ChangeKind::kJumpLabel;
  done.static_key = "___once_key.0";
  done.old_bytes = {0xeb, 0x2c};
  done.new_bytes = {0x66, 0x90};
  EXPECT_TRUE(IsOnceKeyDone(done));
  Change as_seen = done;  // Linux 6.1 in DomU: the 2-byte form in a 5-byte site
  as_seen.old_bytes = {0xeb, 0x2c, 0x48, 0xc7, 0xc2};
  as_seen.new_bytes = {0x66, 0x90, 0x48, 0xc7, 0xc2};
  EXPECT_TRUE(IsOnceKeyDone(as_seen));
  Change five = done;
  five.old_bytes = {0xe9, 0x3b, 0x00, 0x00, 0x00};
  five.new_bytes = {0x0f, 0x1f, 0x44, 0x00, 0x00};
  EXPECT_TRUE(IsOnceKeyDone(five));
  Change enabled = done;
  std::swap(enabled.old_bytes, enabled.new_bytes);
  EXPECT_FALSE(IsOnceKeyDone(enabled)) << "a once key is never enabled again by Linux";
  Change other_key = done;
  other_key.static_key = "freezer_active";
  EXPECT_FALSE(IsOnceKeyDone(other_key));
  Change not_a_label = done;
  not_a_label.kind = ChangeKind::kUnknownText;
  EXPECT_FALSE(IsOnceKeyDone(not_a_label));
}

TEST(OnceKeyTest, ThroughTheClassifierTheSiteNamesItsOnceKey) {
  SymbolTable symbols({{"_text", kBase, 'T'},
                       {"secure_tcp_seq", kBase + 0x100, 'T'},
                       {"___once_key.0", kBase + 0x900, 'D'},
                       {"_end", kBase + 0x1000, 'B'}},
                      SymbolSource::kSystemMap);
  PatchSites sites({{kBase + 0x110, 5, SiteKind::kJumpLabel, kBase + 0x140, kBase + 0x900}});
  ClassifyContext context;
  context.symbols = &symbols;
  context.sites = &sites;
  std::vector<uint8_t> old_bytes(0x1000, 0x90);
  old_bytes[0x110] = 0xeb;  // jmp rel8 from 0x110 to 0x140: rel = 0x140 - 0x112
  old_bytes[0x111] = 0x2e;
  std::vector<uint8_t> new_bytes = old_bytes;
  new_bytes[0x110] = 0x66;  // the two-byte NOP the kernel writes when it disables the key
  new_bytes[0x111] = 0x90;
  RegionDiff diff{"text", kBase, old_bytes, new_bytes};
  auto changes = ClassifyRuns(diff, DiffRuns(old_bytes, new_bytes, kBase), context);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kJumpLabel);
  EXPECT_EQ(changes[0].static_key, "___once_key.0");
  EXPECT_TRUE(IsOnceKeyDone(changes[0]));
}

TEST_F(ClassifierTest, JumpLabelToAnotherTargetIsARedirectedSite) {
  // jmp from 0x110 to 0x200 (func_b) instead of the entry's 0x150.
  Write(0x110, {0xe9, 0xeb, 0x00, 0x00, 0x00});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRedirectedSite);
  EXPECT_EQ(changes[0].GetSeverity(), Severity::kCritical);
  EXPECT_FALSE(IsAcknowledgeable(changes[0].kind));
  EXPECT_EQ(changes[0].target, "func_b+0x0");
  EXPECT_NE(changes[0].detail.find("the jump entry's target is func_a+0x50"), std::string::npos)
      << changes[0].detail;
}

TEST_F(ClassifierTest, JumpLabelNamesItsTarget) {
  Write(0x110, {0xe9, 0x3b, 0x00, 0x00, 0x00});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].target, "func_a+0x50");
  EXPECT_EQ(changes[0].target_address, kBase + 0x150 + 0x18e00000);
}

TEST_F(ClassifierTest, FtraceCallToFtraceCallerIsFtrace) {
  // call from 0x200 to ftrace_caller at 0x600: rel = 0x600 - 0x205 = 0x3fb.
  Write(0x200, {0xe8, 0xfb, 0x03, 0x00, 0x00});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kFtrace);
  EXPECT_EQ(changes[0].GetSeverity(), Severity::kWarning);
  EXPECT_EQ(changes[0].location, "func_b+0x0");
  EXPECT_EQ(changes[0].target, "ftrace_caller+0x0");
  EXPECT_EQ(changes[0].detail, "ftrace site, call to ftrace_caller+0x0");
}

TEST_F(ClassifierTest, FtraceCallToFtraceRegsCallerIsFtrace) {
  Write(0x200, {0xe8, 0x7b, 0x04, 0x00, 0x00});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kFtrace);
  EXPECT_EQ(changes[0].target, "ftrace_regs_caller+0x0");
}

TEST_F(ClassifierTest, FtraceSiteCallingAnotherImageFunctionIsRedirected) {
  Write(0x200, {0xe8, 0xfb, 0xfe, 0xff, 0xff});  // to func_a at 0x100
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRedirectedSite);
  EXPECT_EQ(changes[0].target, "func_a+0x0");
  EXPECT_FALSE(IsAcknowledgeable(changes[0].kind));
}

// The rootkit's write: a call over the fentry NOP into its own code in the module area. With no
// page tables to read that code, the report says so and the site is not ftrace's.
TEST_F(ClassifierTest, FtraceSiteCallingIntoTheModuleAreaUnreadIsCritical) {
  uint64_t site_runtime = kBase + 0x200 + 0x18e00000;
  uint64_t hook = 0xffffffffc0a01230;
  auto rel = static_cast<uint32_t>(hook - (site_runtime + 5));
  Write(0x200, {0xe8, static_cast<uint8_t>(rel), static_cast<uint8_t>(rel >> 8),
                static_cast<uint8_t>(rel >> 16), static_cast<uint8_t>(rel >> 24)});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRedirectedSite);
  EXPECT_EQ(changes[0].GetSeverity(), Severity::kCritical);
  EXPECT_EQ(changes[0].target_address, hook);
  EXPECT_NE(changes[0].target.find("outside the kernel image: 0xffffffffc0a01230 (module area "
                                   "not readable"),
            std::string::npos)
      << changes[0].target;
}

TEST_F(ClassifierTest, OutsideTargetWithoutKaslrOffsetIsSaidSo) {
  context_.virtual_offset.reset();
  Write(0x200, {0xe8, 0x00, 0x00, 0x00, 0x40});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRedirectedSite);
  EXPECT_EQ(changes[0].target_address, 0u);
  EXPECT_NE(changes[0].target.find("runtime address unknown"), std::string::npos);
}

TEST_F(ClassifierTest, GarbageAtFentrySiteIsUnknown) {
  Write(0x201, {0x90});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kUnknownText);
}

TEST_F(ClassifierTest, StaticCallToAFunctionStartIsClassified) {
  Write(0x220, {0xe8, 0xdb, 0xfe, 0xff, 0xff});  // to func_a at 0x100
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kStaticCall);
  EXPECT_EQ(changes[0].target, "func_a+0x0");
}

TEST_F(ClassifierTest, StaticCallIntoTheMiddleOfAFunctionIsRedirected) {
  Write(0x220, {0xe9, 0xde, 0xfe, 0xff, 0xff});  // jmp to func_a+0x3
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRedirectedSite);
  EXPECT_EQ(changes[0].target, "func_a+0x3");
}

TEST_F(ClassifierTest, StaticCallToDataIsRedirected) {
  Write(0x220, {0xe8, 0xdb, 0x05, 0x00, 0x00});  // to sys_call_table at 0x800
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRedirectedSite);
}

TEST_F(ClassifierTest, StaticCallReturnZeroAndRetAreClassified) {
  Write(0x220, {0x2e, 0x2e, 0x2e, 0x31, 0xc0});  // cs cs cs xor %eax,%eax
  auto xor_rax = Classify("text");
  ASSERT_EQ(xor_rax.size(), 1u);
  EXPECT_EQ(xor_rax[0].kind, ChangeKind::kStaticCall);
  EXPECT_TRUE(xor_rax[0].target.empty());
  Write(0x220, {0xc3, 0xcc, 0xcc, 0xcc, 0xcc});
  auto ret = Classify("text");
  ASSERT_EQ(ret.size(), 1u);
  EXPECT_EQ(ret[0].kind, ChangeKind::kStaticCall);
}

TEST_F(ClassifierTest, ShortJumpAtACallSiteIsUnknown) {
  Write(0x200, {0xeb, 0x10});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kUnknownText);
}

TEST_F(ClassifierTest, SingleInt3IsKprobeBothWays) {
  Write(0x345, {0xcc});
  auto armed = Classify("text");
  ASSERT_EQ(armed.size(), 1u);
  EXPECT_EQ(armed[0].kind, ChangeKind::kKprobe);
  EXPECT_EQ(armed[0].location, "__x64_sys_getpid+0x5");
  std::swap(old_, new_);
  auto disarmed = Classify("text");
  ASSERT_EQ(disarmed.size(), 1u);
  EXPECT_EQ(disarmed[0].kind, ChangeKind::kKprobe);
}

TEST_F(ClassifierTest, InlineHookIsUnknownAndCritical) {
  Write(0x340, {0xe9, 0x11, 0x22, 0x33, 0x44});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kUnknownText);
  EXPECT_EQ(changes[0].GetSeverity(), Severity::kCritical);
  EXPECT_EQ(changes[0].location, "__x64_sys_getpid+0x0");
}

TEST_F(ClassifierTest, NearbyRunsMergeAndDistantRunsDoNot) {
  Write(0x400, {0x01});
  Write(0x404, {0x02});
  Write(0x500, {0x03});
  auto changes = Classify("text");
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].address, kBase + 0x400);
  EXPECT_EQ(changes[0].new_bytes.size(), 5u);
  EXPECT_EQ(changes[1].address, kBase + 0x500);
}

TEST_F(ClassifierTest, SyscallTableEntryIsNamed) {
  // Entry 1 pointed at __x64_sys_getpid; now it points outside the image.
  uint64_t link = kBase + 0x340 + 0x18e00000;
  uint64_t hostile = 0xffffffffc0001000;
  std::memcpy(old_.data() + 0x808, &link, 8);
  new_ = old_;
  std::memcpy(new_.data() + 0x808, &hostile, 8);
  auto changes = Classify("rodata");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kSyscallTable);
  EXPECT_EQ(changes[0].GetSeverity(), Severity::kCritical);
  EXPECT_NE(changes[0].detail.find("sys_call_table[1] __x64_sys_getpid+0x0 -> 0xffffffffc0001000"),
            std::string::npos)
      << changes[0].detail;
}

TEST_F(ClassifierTest, OtherRodataIsCritical) {
  Write(0x900, {0x41, 0x42});
  auto changes = Classify("rodata");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRodata);
  EXPECT_EQ(changes[0].GetSeverity(), Severity::kCritical);
}

TEST(ChangeKindTest, NamesRoundTrip) {
  for (ChangeKind kind :
       {ChangeKind::kJumpLabel, ChangeKind::kFtrace, ChangeKind::kStaticCall, ChangeKind::kKprobe,
        ChangeKind::kRedirectedSite, ChangeKind::kUnknownText, ChangeKind::kRodata,
        ChangeKind::kSyscallTable, ChangeKind::kUnreadable, ChangeKind::kHiddenCode}) {
    EXPECT_EQ(ParseChangeKind(ToString(kind)), kind);
  }
  EXPECT_FALSE(ParseChangeKind("bogus").has_value());
}

}  // namespace
}  // namespace virdomm::monitor
