// argv + stdin to HookEvent: names in one table, the events acted on, bounded stdin.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "common/error.h"
#include "hook_event.h"

namespace virdomm {
namespace {

TEST(HookEvent, OpNamesRoundTrip) {
  for (HookOp op : {HookOp::kPrepare, HookOp::kStart, HookOp::kStarted, HookOp::kStopped,
                    HookOp::kRelease, HookOp::kMigrate, HookOp::kReconnect}) {
    EXPECT_EQ(ParseHookOp(ToString(op)), op);
  }
  EXPECT_EQ(ParseHookOp("restore"), std::nullopt);
  EXPECT_EQ(ParseHookOp("Started"), std::nullopt);
  for (HookSubOp sub : {HookSubOp::kBegin, HookSubOp::kEnd, HookSubOp::kNone}) {
    EXPECT_EQ(ParseHookSubOp(ToString(sub)), sub);
  }
  EXPECT_EQ(ParseHookSubOp(""), std::nullopt);
}

TEST(HookEvent, KindsOfLibxlEvents) {
  struct Row {
    const char* op;
    const char* sub;
    HookEventKind kind;
  };
  for (const Row& row : {Row{"prepare", "begin", HookEventKind::kPrepareBegin},
                         Row{"started", "begin", HookEventKind::kStartedBegin},
                         Row{"stopped", "end", HookEventKind::kStoppedEnd},
                         Row{"release", "end", HookEventKind::kReleaseEnd},
                         Row{"reconnect", "begin", HookEventKind::kReconnectBegin},
                         Row{"migrate", "begin", HookEventKind::kMigrateBegin},
                         Row{"start", "begin", HookEventKind::kIgnored},
                         Row{"started", "end", HookEventKind::kIgnored},
                         Row{"attach", "begin", HookEventKind::kIgnored},
                         Row{"restore", "begin", HookEventKind::kIgnored}}) {
    HookEvent e = ParseHookEvent({"web1", row.op, row.sub, "-"}, "");
    EXPECT_EQ(e.Kind(), row.kind) << row.op << " " << row.sub;
  }
}

TEST(HookEvent, KeepsRawTextOfUnknownOps) {
  HookEvent e = ParseHookEvent({"web1", "frobnicate", "now"}, "<x/>");
  EXPECT_EQ(e.op, HookOp::kUnknown);
  EXPECT_EQ(e.sub_op, HookSubOp::kUnknown);
  EXPECT_EQ(e.Describe(), "'web1' frobnicate now");
  EXPECT_EQ(e.extra, "-");
  EXPECT_EQ(e.stdin_xml, "<x/>");
}

TEST(HookEvent, TooFewArgumentsIsAUsageError) {
  EXPECT_THROW((void)ParseHookEvent({"web1", "started"}, ""), Error);
  EXPECT_THROW((void)ParseHookEvent({}, ""), Error);
}

TEST(HookEvent, ReadsStdinUpToTheBoundAndDrainsTheRest) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::size_t total = 3 * 65536 + 17;
  std::thread writer([&] {
    std::string chunk(total, 'x');
    std::size_t off = 0;
    while (off < chunk.size()) {
      ssize_t n = ::write(fds[1], chunk.data() + off, chunk.size() - off);
      ASSERT_GT(n, 0);
      off += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
  });
  bool truncated = false;
  std::string text = ReadBoundedInput(fds[0], 100000, truncated);
  writer.join();  // would hang if the rest were not drained
  ::close(fds[0]);
  EXPECT_TRUE(truncated);
  EXPECT_EQ(text.size(), 100000U);
}

TEST(HookEvent, EmptyStdinIsFine) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[1]);
  bool truncated = true;
  EXPECT_EQ(ReadBoundedInput(fds[0], kMaxHookStdinBytes, truncated), "");
  EXPECT_FALSE(truncated);
  ::close(fds[0]);
}

}  // namespace
}  // namespace virdomm
