// Command-line handling of `virdomm` that needs no hypervisor: help, version, usage errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/cli.h"
#include "cli/commands.h"

namespace virdomm {
namespace {

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun Virdomm(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  int status = RunVirdomm(args, out, err);
  return {status, out.str(), err.str()};
}

TEST(Cli, VersionComesFromTheProject) {
  CliRun r = Virdomm({"--version"});
  EXPECT_EQ(r.status, kExitOk);
  EXPECT_EQ(r.out, std::string("virdomm ") + VIRDOMM_EXPECTED_VERSION + "\n");
}

TEST(Cli, HelpListsEveryCommand) {
  CliRun r = Virdomm({"--help"});
  EXPECT_EQ(r.status, kExitOk);
  for (const char* word : {"pair", "unpair", "show", "list", "check", "--connect", "Exit status"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
}

TEST(Cli, EachCommandHasItsOwnHelp) {
  struct Case {
    const char* command;
    std::vector<const char*> words;
  };
  for (const Case& c : {Case{"pair",
                             {"--monitor", "--target", "--storage", "--memory", "--interval",
                              "--on-grant-failure", "--force"}},
                        Case{"unpair", {"DOMAIN", "partner"}}, Case{"show", {"DOMAIN", "--json"}},
                        Case{"list", {"--json", "one-sided"}},
                        Case{"check", {"DOMAIN", "PV", "HVM or PVH", "live"}}}) {
    for (const char* flag : {"--help", "-h"}) {
      CliRun r = Virdomm({c.command, flag});
      EXPECT_EQ(r.status, kExitOk) << c.command;
      EXPECT_NE(r.out.find(std::string("Usage: virdomm ") + c.command), std::string::npos) << r.out;
      for (const char* w : c.words) {
        EXPECT_NE(r.out.find(w), std::string::npos) << c.command << " help lacks " << w;
      }
    }
  }
}

TEST(Cli, UsageErrorsExitTwoWithAHint) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{},
        {"frobnicate"},
        {"pair", "--monitor", "m"},
        {"pair", "-m", "m", "-t", "u", "--on-grant-failure", "maybe"},
        {"show"},
        {"unpair", "a", "b"},
        {"pair", "-m", "m", "-t", "u", "--interval", "-5"},
        {"pair", "-m", "m", "-t", "u", "--interval", "9"},
        {"pair", "-m", "m", "-t", "u", "--interval", "10x"},
        {"pair", "-m", "m", "-t", "u", "--memory", "kernel-text kernel-text"},
        {"pair", "-m", "m", "-t", "u", "--memory", "kernel-heap"},
        {"pair", "-m", "m", "-t", "u", "--memory", ""},
        {"pair", "-m", "m", "-t", "u", "--storage", ""},
        {"pair", "-m", "m", "-t", "u", "--storage", "/a\nb"},
        {"list", "extra"},
        {"check", "a", "b"},
        {"list", "--bogus"},
        {"--connect"}}) {
    CliRun r = Virdomm(args);
    EXPECT_EQ(r.status, kExitUsage) << (args.empty() ? "(none)" : args[0]) << ": " << r.err;
    EXPECT_FALSE(r.err.empty());
  }
}

TEST(Cli, ConnectionFailureExitsThreeAndNamesTheUri) {
  CliRun r = Virdomm({"-c", "test:///nonexistent/virdomm-node.xml", "list"});
  EXPECT_EQ(r.status, kExitFailed);
  EXPECT_NE(r.err.find("test:///nonexistent/virdomm-node.xml"), std::string::npos) << r.err;
}

// The grammar is built in: `check` works from the build tree without VIRDOMM_SCHEMA_DIR (libvirt's
// in-process test driver, whose one domain has no pairing).
TEST(Cli, CheckNeedsNoSchemaFile) {
  ASSERT_EQ(unsetenv("VIRDOMM_SCHEMA_DIR"), 0);
  CliRun r = Virdomm({"-c", "test:///default", "check"});
  EXPECT_EQ(r.status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("OK"), std::string::npos) << r.out;
}

TEST(Cli, HelpNamesTheSchemaOverride) {
  CliRun r = Virdomm({"--help"});
  EXPECT_NE(r.out.find("VIRDOMM_SCHEMA_DIR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("built into virdomm"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace virdomm

namespace virdomm {
namespace {

TEST(ManPage, NamesTheProjectVersionAndEveryOption) {
  std::ifstream in(std::string(VIRDOMM_SOURCE_SCHEMA_DIR) + "/../src/virdomm/cli/virdomm.1");
  ASSERT_TRUE(in) << "virdomm.1 not found";
  std::stringstream text;
  text << in.rdbuf();
  std::string page = text.str();
  EXPECT_NE(page.find(std::string("\"virdomm ") + VIRDOMM_EXPECTED_VERSION + "\""),
            std::string::npos)
      << "the .TH line must carry the project version";
  // troff spells '-' as '\-' in option names.
  for (const char* option :
       {"\\-\\-connect", "\\-\\-monitor", "\\-\\-target", "\\-\\-storage", "\\-\\-memory",
        "\\-\\-interval", "\\-\\-on\\-grant\\-failure", "\\-\\-force", "\\-\\-json", "unpair",
        "show", "list", "check", "EXIT STATUS", "VIRDOMM_SCHEMA_DIR"}) {
    EXPECT_NE(page.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace virdomm
