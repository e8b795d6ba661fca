#include "network/child_process.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <thread>

#include "common/error.h"
#include "network/signal_fd.h"

namespace virdomm::monitor {
namespace {

ChildExit WaitFor(ChildProcess& child) {
  for (int i = 0; i < 500; ++i) {
    if (std::optional<ChildExit> exit = child.Poll()) {
      return *exit;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "child did not end";
  return child.Stop(std::chrono::milliseconds(100));
}

std::string ReadAll(const ChildProcess& child) {
  std::string text;
  pollfd fd{child.OutputFd(), POLLIN, 0};
  char buffer[256];
  while (::poll(&fd, 1, 2000) > 0) {
    ssize_t got = ::read(child.OutputFd(), buffer, sizeof buffer);
    if (got <= 0) {
      break;
    }
    text.append(buffer, static_cast<std::size_t>(got));
  }
  return text;
}

TEST(ChildProcess, RunsArgvWithoutAShellAndCapturesBothOutputs) {
  ChildProcess child({"/bin/sh", "-c", "echo out; echo err >&2; exit 3", "$(not expanded)"});
  EXPECT_EQ(ReadAll(child), "out\nerr\n");
  ChildExit exit = WaitFor(child);
  EXPECT_FALSE(exit.signaled);
  EXPECT_EQ(exit.code, 3);
  EXPECT_EQ(exit.Describe(), "exited with status 3");
}

TEST(ChildProcess, AMissingBinaryIsAnErrorAtOnce) {
  EXPECT_THROW(ChildProcess({"/nonexistent/suricata"}), Error);
}

TEST(ChildProcess, ReportsTheSignalThatKilledIt) {
  ChildProcess child({"/bin/sleep", "30"});
  child.Signal(SIGKILL);
  EXPECT_EQ(WaitFor(child).Describe(), "killed by SIGKILL");
}

TEST(ChildProcess, StopEscalatesToSigkill) {
  // A child that ignores SIGTERM; the signals SignalFd blocks here are not blocked in it.
  SignalFd signals({SIGTERM, SIGCHLD});
  ChildProcess child({"/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 30"});
  EXPECT_EQ(ReadAll(child).substr(0, 6), "ready\n");
  ChildExit exit = child.Stop(std::chrono::milliseconds(300));
  EXPECT_TRUE(exit.signaled);
  EXPECT_EQ(exit.code, SIGKILL);
}

TEST(ChildProcess, ChildDoesNotInheritTheBlockedMask) {
  SignalFd signals({SIGTERM, SIGCHLD});
  ChildProcess child({"/bin/sh", "-c", "grep SigBlk /proc/self/status"});
  EXPECT_EQ(ReadAll(child), "SigBlk:\t0000000000000000\n");
  WaitFor(child);
}

TEST(ChildProcess, DestructorStopsARunningChild) {
  pid_t pid = 0;
  {
    ChildProcess child({"/bin/sleep", "30"});
    pid = child.Pid();
  }
  EXPECT_NE(::kill(pid, 0), 0);  // reaped: no such process
}

}  // namespace
}  // namespace virdomm::monitor
