// Validation of pairing elements against xml-schemas/pairing.rng with libxml2's RelaxNG.
#pragma once

#include <libxml/relaxng.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/unique_handle.h"

namespace virdomm {

// The schema file name, looked up in the directories FindPairingSchema lists.
inline constexpr const char* kPairingSchemaFile = "pairing.rng";

// Where the schema is looked for, in order: $VIRDOMM_SCHEMA_DIR, the compiled-in install
// directory (<prefix>/share/virdomm), then `extra_dir` when given (tests pass the source tree).
std::vector<std::filesystem::path> PairingSchemaSearchPath(
    const std::optional<std::filesystem::path>& extra_dir = std::nullopt);

// The first pairing.rng on the search path. Throws Error listing every place tried.
std::filesystem::path FindPairingSchema(
    const std::optional<std::filesystem::path>& extra_dir = std::nullopt);

// A compiled RelaxNG grammar. Validation is reentrant per call (own context each time).
class PairingSchema {
 public:
  // Loads and compiles the grammar; throws Error naming the file and libxml2's complaint.
  explicit PairingSchema(const std::filesystem::path& rng_file);

  // Convenience: FindPairingSchema() then load.
  static PairingSchema Load(const std::optional<std::filesystem::path>& extra_dir = std::nullopt);

  // Empty when `element_xml` (one pairing element as its own document) is valid, else the
  // validator's messages joined by "; ". Malformed XML is reported the same way.
  [[nodiscard]] std::string Validate(std::string_view element_xml) const;

  // Same for an element inside a larger tree (e.g. a domain's <metadata> child).
  [[nodiscard]] std::string ValidateNode(const xmlNode* element) const;

  [[nodiscard]] const std::filesystem::path& File() const { return file_; }

 private:
  [[nodiscard]] std::string ValidateDoc(xmlDoc* doc) const;

  std::filesystem::path file_;
  UniqueHandle<xmlRelaxNG, xmlRelaxNGFree> grammar_;
};

}  // namespace virdomm
