// pairing.rng and the C++ parser agree on every golden element; the examples validate.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain/domain_xml.h"
#include "pairing/pairing_schema.h"
#include "pairing/pairing_xml.h"

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
  static const PairingSchema schema = PairingSchema::Load(fs::path(VIRDOMM_SOURCE_SCHEMA_DIR));
  return schema;
}

std::vector<fs::path> Golden(const char* verdict) {
  std::vector<fs::path> files;
  for (const auto& e :
       fs::directory_iterator(fs::path(VIRDOMM_TEST_DATA_DIR) / "pairing/elements" / verdict)) {
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(PairingSchema, GoldenFilesExist) {
  EXPECT_GE(Golden("valid").size(), 10U);
  EXPECT_GE(Golden("invalid").size(), 40U);
}

TEST(PairingSchema, AcceptsEveryValidGoldenFileLikeTheParser) {
  for (const auto& file : Golden("valid")) {
    std::string xml = ReadFile(file);
    EXPECT_EQ(Schema().Validate(xml), "") << file;
    EXPECT_NO_THROW((void)ParsePairing(xml)) << file;
  }
}

TEST(PairingSchema, RejectsEveryInvalidGoldenFileLikeTheParser) {
  for (const auto& file : Golden("invalid")) {
    std::string xml = ReadFile(file);
    EXPECT_NE(Schema().Validate(xml), "") << file << " passed the schema";
    EXPECT_THROW((void)ParsePairing(xml), PairingError) << file << " passed the parser";
  }
}

TEST(PairingSchema, EmittedPairingsValidateAndRoundTrip) {
  for (const auto& file : Golden("valid")) {
    Pairing p = ParsePairing(ReadFile(file));
    std::string emitted = EmitPairing(p);
    EXPECT_EQ(Schema().Validate(emitted), "") << file << "\n" << emitted;
    EXPECT_EQ(ParsePairing(emitted), p) << file;
  }
  Pairing odd = ParsePairing(
      ReadFile(fs::path(VIRDOMM_TEST_DATA_DIR) / "pairing/elements/valid/monitor-full.xml"));
  odd.partner.name = "a\"b'<c>&d\te\nf";
  odd.storage = StorageSpec{"/srv/a b/&<>.img", "raw"};
  EXPECT_EQ(ParsePairing(EmitPairing(odd)), odd);
}

TEST(PairingSchema, ExampleDomainsValidate) {
  for (const char* name : {"domu-pvh-target.xml", "domain-m-pv-monitor.xml"}) {
    std::string xml = ReadFile(fs::path(VIRDOMM_SOURCE_SCHEMA_DIR) / "examples" / name);
    DomainFacts facts = ParseDomainXml(xml);
    ASSERT_TRUE(facts.pairing.has_value()) << name << ": " << facts.pairing_error;
    XmlDoc doc = ParseXml(xml, name);
    const xmlNode* node = FindPairingNode(doc.get());
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(Schema().ValidateNode(node), "") << name;
  }
  DomainFacts domu = ParseDomainXml(
      ReadFile(fs::path(VIRDOMM_SOURCE_SCHEMA_DIR) / "examples/domu-pvh-target.xml"));
  DomainFacts m = ParseDomainXml(
      ReadFile(fs::path(VIRDOMM_SOURCE_SCHEMA_DIR) / "examples/domain-m-pv-monitor.xml"));
  EXPECT_EQ(domu.kind, GuestKind::kPvh);
  EXPECT_EQ(m.kind, GuestKind::kPv);
  EXPECT_EQ(domu.pairing->partner.uuid, m.uuid);
  EXPECT_EQ(m.pairing->partner.uuid, domu.uuid);
}

TEST(PairingSchema, OversizedInputIsRejectedByBoth) {
  std::string huge = "<pairing xmlns=\"urn:virdomm:pairing:1\" role=\"target\"><!--" +
                     std::string(kMaxXmlBytes, 'x') + "--></pairing>";
  EXPECT_NE(Schema().Validate(huge), "");
  EXPECT_THROW((void)ParsePairing(huge), PairingError);
}

TEST(PairingSchema, MessagesNameTheFault) {
  std::string problem = Schema().Validate(
      ReadFile(fs::path(VIRDOMM_TEST_DATA_DIR) / "pairing/elements/invalid/unknown-attribute.xml"));
  EXPECT_NE(problem.find("pairing.rng"), std::string::npos) << problem;
  EXPECT_NE(problem.find("owner"), std::string::npos) << problem;
}

TEST(PairingSchemaLookup, EnvironmentComesFirstAndMissingSchemaIsExplained) {
  ASSERT_EQ(setenv("VIRDOMM_SCHEMA_DIR", VIRDOMM_SOURCE_SCHEMA_DIR, 1), 0);
  EXPECT_EQ(FindPairingSchema(), fs::path(VIRDOMM_SOURCE_SCHEMA_DIR) / "pairing.rng");
  ASSERT_EQ(setenv("VIRDOMM_SCHEMA_DIR", "/nonexistent/virdomm-schemas", 1), 0);
  if (!fs::exists(fs::path(PairingSchemaSearchPath()[1]) / "pairing.rng")) {
    try {
      (void)FindPairingSchema();
      FAIL() << "no schema should be found";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("/nonexistent/virdomm-schemas/pairing.rng"), std::string::npos) << msg;
      EXPECT_NE(msg.find("VIRDOMM_SCHEMA_DIR"), std::string::npos) << msg;
    }
  }
  // The source tree is the last resort tests use.
  EXPECT_NO_THROW((void)PairingSchema::Load(fs::path(VIRDOMM_SOURCE_SCHEMA_DIR)));
  unsetenv("VIRDOMM_SCHEMA_DIR");
}

TEST(PairingSchemaLookup, BrokenGrammarIsAClearError) {
  fs::path dir = fs::temp_directory_path() / "virdomm-broken-schema";
  fs::create_directories(dir);
  std::ofstream(dir / "pairing.rng") << "<grammar xmlns='http://relaxng.org/ns/structure/1.0'>";
  try {
    PairingSchema schema(dir / "pairing.rng");
    FAIL() << "a truncated grammar loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pairing.rng"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace virdomm
