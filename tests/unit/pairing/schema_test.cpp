// pairing.rng (as built into virdomm) and the C++ parser agree on every golden element; the
// examples validate; VIRDOMM_SCHEMA_DIR replaces the built-in grammar, with clear errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

#include "domain/domain_xml.h"
#include "pairing/builtin_schema.h"
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

// The grammar the binary validates with when no override is set.
const PairingSchema& Schema() {
  static const PairingSchema schema = PairingSchema::BuiltIn();
  return schema;
}

// Sets (or, with nullptr, unsets) VIRDOMM_SCHEMA_DIR for one test and restores it after.
class ScopedSchemaDir {
 public:
  explicit ScopedSchemaDir(const char* value) {
    if (const char* old = std::getenv(kSchemaDirVariable); old != nullptr) {
      old_ = old;
    }
    Set(value);
  }
  ScopedSchemaDir(const ScopedSchemaDir&) = delete;
  ScopedSchemaDir& operator=(const ScopedSchemaDir&) = delete;
  ~ScopedSchemaDir() { Set(old_ ? old_->c_str() : nullptr); }

 private:
  static void Set(const char* value) {
    if (value == nullptr) {
      unsetenv(kSchemaDirVariable);
    } else {
      setenv(kSchemaDirVariable, value, 1);
    }
  }
  std::optional<std::string> old_;
};

// A scratch folder removed at the end of the test.
struct ScratchDir {
  fs::path path;
  explicit ScratchDir(const char* name) : path(fs::temp_directory_path() / name) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

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

TEST(PairingSchemaBuiltIn, IsTheSourceTreesFileByteForByte) {
  EXPECT_EQ(BuiltInPairingSchemaText(),
            ReadFile(fs::path(VIRDOMM_SOURCE_SCHEMA_DIR) / kPairingSchemaFile))
      << "the generated copy is stale: re-run CMake";
  EXPECT_EQ(Schema().Source(), "the built-in pairing.rng");
}

TEST(PairingSchemaLookup, WithoutTheVariableTheBuiltInGrammarIsUsed) {
  for (const char* value : {static_cast<const char*>(nullptr), ""}) {
    ScopedSchemaDir env(value);
    EXPECT_FALSE(PairingSchemaOverride().has_value());
    PairingSchema schema = PairingSchema::Load();
    EXPECT_EQ(schema.Source(), "the built-in pairing.rng");
    EXPECT_EQ(schema.Validate(ReadFile(fs::path(VIRDOMM_TEST_DATA_DIR) /
                                       "pairing/elements/valid/monitor-full.xml")),
              "");
  }
}

TEST(PairingSchemaLookup, TheVariableReplacesTheBuiltInGrammar) {
  // A grammar that accepts any element proves the file, not the built-in copy, decides.
  ScratchDir dir("virdomm-any-schema");
  std::ofstream(dir.path / kPairingSchemaFile)
      << "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><ref name='any'/></start>"
         "<define name='any'><element><anyName/><zeroOrMore><choice><attribute><anyName/>"
         "</attribute><text/><ref name='any'/></choice></zeroOrMore></element></define>"
         "</grammar>";
  std::string invalid =
      ReadFile(fs::path(VIRDOMM_TEST_DATA_DIR) / "pairing/elements/invalid/unknown-attribute.xml");
  ASSERT_NE(Schema().Validate(invalid), "");

  ScopedSchemaDir env(dir.path.c_str());
  EXPECT_EQ(PairingSchemaOverride(), dir.path / kPairingSchemaFile);
  PairingSchema schema = PairingSchema::Load();
  EXPECT_EQ(schema.Source(), (dir.path / kPairingSchemaFile).string());
  EXPECT_EQ(schema.Validate(invalid), "");
}

TEST(PairingSchemaLookup, AMissingOverrideIsAnErrorNotTheBuiltInGrammar) {
  ScopedSchemaDir env("/nonexistent/virdomm-schemas");
  try {
    (void)PairingSchema::Load();
    FAIL() << "a missing override fell back silently";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("/nonexistent/virdomm-schemas/pairing.rng: no such file"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("VIRDOMM_SCHEMA_DIR"), std::string::npos) << msg;
  }
}

TEST(PairingSchemaLookup, BrokenGrammarIsAClearError) {
  ScratchDir dir("virdomm-broken-schema");
  std::ofstream(dir.path / kPairingSchemaFile)
      << "<grammar xmlns='http://relaxng.org/ns/structure/1.0'>";
  try {
    PairingSchema schema(dir.path / kPairingSchemaFile);
    FAIL() << "a truncated grammar loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir.path / kPairingSchemaFile).string()),
              std::string::npos)
        << e.what();
  }
  ScopedSchemaDir env(dir.path.c_str());
  try {
    (void)PairingSchema::Load();
    FAIL() << "a truncated override loaded";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find((dir.path / kPairingSchemaFile).string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("VIRDOMM_SCHEMA_DIR"), std::string::npos) << msg;
  }
}

TEST(PairingSchemaLookup, AFolderInsteadOfAFileIsAClearError) {
  ScratchDir dir("virdomm-folder-schema");
  fs::create_directories(dir.path / kPairingSchemaFile);
  try {
    PairingSchema schema(dir.path / kPairingSchemaFile);
    FAIL() << "a folder loaded as a grammar";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

TEST(PairingSchemaText, BrokenTextNamesItsSource) {
  try {
    (void)PairingSchema::FromText("<grammar", "test grammar");
    FAIL() << "broken grammar text loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("loading pairing schema test grammar: "),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace virdomm
