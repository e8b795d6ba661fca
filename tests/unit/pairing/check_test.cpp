// `virdomm check` and `list` decisions over golden domain sets (tests/data/pairing/check/*):
// each case is a folder of domain XML files plus `expected` (one line per problem, or OK).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pairing/pair_report.h"

namespace virdomm {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const PairingSchema& Schema() {
  static const PairingSchema schema = PairingSchema::BuiltIn();
  return schema;
}

fs::path CaseDir(const std::string& name) {
  return fs::path(VIRDOMM_TEST_DATA_DIR) / "pairing/check" / name;
}

// NAME.xml is the live definition when it carries an id (running), else the saved config;
// NAME.config.xml, when present, is the saved config of a running domain.
std::vector<DomainView> LoadCase(const fs::path& dir) {
  std::vector<DomainView> views;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string file = e.path().filename().string();
    if (e.path().extension() == ".xml" && file.find(".config.xml") == std::string::npos) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::string xml = ReadFile(file);
    bool running = xml.find(" id='") != std::string::npos;
    fs::path config = file;
    config.replace_extension(".config.xml");
    std::optional<std::string> config_xml = xml;
    if (fs::exists(config)) {
      config_xml = ReadFile(config);
    }
    views.push_back(MakeDomainView(xml, config_xml, running, Schema()));
  }
  return views;
}

std::vector<std::string> ExpectedLines(const fs::path& dir) {
  std::vector<std::string> lines;
  std::istringstream in(ReadFile(dir / "expected"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line != "OK") {
      lines.push_back(line);
    }
  }
  return lines;
}

class CheckGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckGolden, ReportsExactlyTheExpectedProblems) {
  fs::path dir = CaseDir(GetParam());
  CheckReport report = CheckPairs(LoadCase(dir));
  std::vector<std::string> expected = ExpectedLines(dir);
  std::string all;
  for (const auto& p : report.problems) {
    all += "  - " + p.message + "\n";
  }
  EXPECT_EQ(report.problems.size(), expected.size()) << "problems:\n" << all;
  for (const auto& fragment : expected) {
    bool found = std::any_of(report.problems.begin(), report.problems.end(), [&](const Finding& f) {
      return f.message.find(fragment) != std::string::npos;
    });
    EXPECT_TRUE(found) << "no problem mentions: " << fragment << "\nproblems:\n" << all;
  }
  EXPECT_EQ(report.Ok(), expected.empty());
}

std::vector<std::string> AllCases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(fs::path(VIRDOMM_TEST_DATA_DIR) / "pairing/check")) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Cases, CheckGolden, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(CheckPairs, CheckOneDomainKeepsOnlyItsFindings) {
  std::vector<DomainView> views = LoadCase(CaseDir("names-someone-else"));
  // web1-ids (5dea...) is named by nobody back; db1-ids is named by web1 but has no pairing.
  CheckReport for_m = CheckPairs(views, "5dea22b3-1d52-d8f3-2516-782e98ab3fa0");
  ASSERT_EQ(for_m.problems.size(), 1U);  // its claim is not answered: web1 names db1-ids
  EXPECT_NE(for_m.problems[0].message.find("'web1' names UUID"), std::string::npos);
  CheckReport for_db = CheckPairs(views, "0a1b2c3d-0000-4000-8000-000000000002");
  ASSERT_EQ(for_db.problems.size(), 1U);
  EXPECT_NE(for_db.problems[0].message.find("'db1-ids' has no pairing metadata"),
            std::string::npos);
}

TEST(CheckPairs, CheckOfDomainMShowsItsDomUsFaults) {
  std::vector<DomainView> views = LoadCase(CaseDir("target-is-pv"));
  CheckReport for_m = CheckPairs(views, "5dea22b3-1d52-d8f3-2516-782e98ab3fa0");
  ASSERT_EQ(for_m.problems.size(), 1U);
  EXPECT_NE(for_m.problems[0].message.find("DomU 'pv-guest' is PV"), std::string::npos);
}

TEST(CheckPairs, UnpairedDomainFailsCheckOfThatDomain) {
  std::vector<DomainView> views = LoadCase(CaseDir("unpaired-domains"));
  EXPECT_TRUE(CheckPairs(views).Ok());
  CheckReport one = CheckPairs(views, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
  ASSERT_EQ(one.problems.size(), 1U);
  EXPECT_NE(one.problems[0].message.find("is not paired"), std::string::npos);
}

TEST(ListPairs, StatesOfGoldenCases) {
  auto states = [](const std::string& name) {
    std::string out;
    for (const PairRow& row : ListPairs(LoadCase(CaseDir(name)))) {
      out += row.monitor.name + ">" + row.target.name + ":" + std::string(ToString(row.state)) +
             (row.monitor.running ? "" : "(M off)") + ";";
    }
    return out;
  };
  EXPECT_EQ(states("mutual-running"), "web1-ids>web1:mutual;");
  EXPECT_EQ(states("mutual-shut-off"), "db1-ids>db1:mutual(M off);");
  EXPECT_EQ(states("unpaired-domains"), "");
  EXPECT_EQ(states("one-sided-monitor"), "web1-ids>web1:one-sided;");
  EXPECT_EQ(states("one-sided-target"), "web1-ids>web1:one-sided;");
  EXPECT_EQ(states("dangling-partner"), "web1-ids>gone:broken;");
  EXPECT_EQ(states("names-someone-else"), "db1-ids>web1:one-sided;web1-ids>web1:one-sided;");
  EXPECT_EQ(states("two-monitors-one-target"), "db1-ids>web1:one-sided;web1-ids>web1:mutual;");
  EXPECT_EQ(states("monitor-claims-two-targets"),
            "web1-ids>(unreadable):broken;web1-ids>web1:broken;");
  EXPECT_EQ(states("wrong-namespace-ignored"), "web1-ids>web1:one-sided;");
}

TEST(ListPairs, MalformedSideIsBrokenAndPlacedByItsRole) {
  std::vector<PairRow> rows = ListPairs(LoadCase(CaseDir("monitor-claims-two-targets")));
  ASSERT_EQ(rows.size(), 2U);
  // web1-ids' own element is unreadable; it claims role monitor, so it is listed as one.
  EXPECT_EQ(rows[0].monitor.name, "web1-ids");
  EXPECT_FALSE(rows[0].target.defined);
  EXPECT_NE(rows[0].why.find("more than one <target>"), std::string::npos) << rows[0].why;
  // web1 names web1-ids, whose metadata is malformed: the claim cannot be answered.
  EXPECT_EQ(rows[1].target.name, "web1");
  EXPECT_EQ(rows[1].state, PairingConsent::kBroken) << rows[1].why;
}

}  // namespace
}  // namespace virdomm
