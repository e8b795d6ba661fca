// The checkers' shared command line: --help on stdout with 0, usage errors on stderr with 2
// and the "domm-monitor <checker> <command>:" prefix, and the exit codes themselves.
#include "core/checker_cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace virdomm::monitor {
namespace {

namespace po = boost::program_options;

struct Parsed {
  std::optional<int> status;
  std::string out;
  std::string err;
  std::string command;
  std::string db;
};

Parsed Parse(std::vector<std::string> words) {
  std::vector<char*> args;
  for (std::string& word : words) {
    args.push_back(word.data());
  }
  Parsed run;
  CheckerCommandLine cli("demo", "Usage: domm-monitor demo <command>\n");
  cli.Add()("db", po::value(&run.db), "a file");
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  run.status = cli.Parse(args);
  run.out = testing::internal::GetCapturedStdout();
  run.err = testing::internal::GetCapturedStderr();
  run.command = cli.Command();
  return run;
}

TEST(CheckerCliTest, HelpGoesToStdoutWithStatusZero) {
  Parsed run = Parse({"demo", "--help"});
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.out.find("Usage: domm-monitor demo <command>"), std::string::npos);
  EXPECT_NE(run.out.find("--db"), std::string::npos);
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(Parse({"demo", "check", "-h"}).status, 0);
}

TEST(CheckerCliTest, UsageErrorsNameCheckerAndCommandAndGiveStatusTwo) {
  Parsed unknown = Parse({"demo", "check", "--nonsense"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_EQ(unknown.err.rfind("domm-monitor demo check: ", 0), 0U) << unknown.err;
  EXPECT_NE(unknown.err.find("nonsense"), std::string::npos);
  EXPECT_NE(unknown.err.find("Run 'domm-monitor demo --help'"), std::string::npos);
  EXPECT_EQ(unknown.out, "");

  Parsed none = Parse({"demo"});
  EXPECT_EQ(none.status, 2);
  EXPECT_EQ(none.err.rfind("domm-monitor demo: no command given\n", 0), 0U) << none.err;

  Parsed missing_value = Parse({"demo", "check", "--db"});
  EXPECT_EQ(missing_value.status, 2);

  Parsed before_command = Parse({"demo", "--nonsense", "check"});
  EXPECT_EQ(before_command.status, 2);
  EXPECT_EQ(before_command.err.rfind("domm-monitor demo: ", 0), 0U) << before_command.err;
}

TEST(CheckerCliTest, ACommandLineToRunIsParsed) {
  Parsed run = Parse({"demo", "check", "--db", "x.db"});
  EXPECT_EQ(run.status, std::nullopt);
  EXPECT_EQ(run.command, "check");
  EXPECT_EQ(run.db, "x.db");
  testing::internal::CaptureStderr();
  EXPECT_EQ(UsageError("demo", "check", "--db is required"), 2);
  EXPECT_EQ(testing::internal::GetCapturedStderr().rfind(
                "domm-monitor demo check: --db is required\n", 0),
            0U);
  testing::internal::CaptureStderr();
  EXPECT_EQ(Failure("demo", "check", ExitCode::kBaselineRefused, "refused"), 5);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "domm-monitor demo check: refused\n");
}

// Scripts and units (RestartPreventExitStatus=2) read these numbers: they never move.
TEST(CheckerCliTest, ExitCodesAreFixed) {
  EXPECT_EQ(ToStatus(ExitCode::kOk), 0);
  EXPECT_EQ(ToStatus(ExitCode::kError), 1);
  EXPECT_EQ(ToStatus(ExitCode::kUsage), 2);
  EXPECT_EQ(ToStatus(ExitCode::kClassified), 3);
  EXPECT_EQ(ToStatus(ExitCode::kCritical), 4);
  EXPECT_EQ(ToStatus(ExitCode::kBaselineRefused), 5);
  EXPECT_EQ(ToStatus(ExitCode::kRules), 6);
  EXPECT_EQ(ToStatus(ExitCode::kSource), 7);
  EXPECT_EQ(ToStatus(ExitCode::kDifferences), 8);
}

}  // namespace
}  // namespace virdomm::monitor
