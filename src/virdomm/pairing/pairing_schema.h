// Validation of pairing elements against the pairing grammar (xml-schemas/pairing.rng) with
// libxml2's RelaxNG: the copy built into virdomm, or a file named by VIRDOMM_SCHEMA_DIR.
#pragma once

#include <libxml/relaxng.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/unique_handle.h"

namespace virdomm {

// The grammar's file name, in the source tree, the install directory and an override folder.
inline constexpr const char* kPairingSchemaFile = "pairing.rng";
// The variable naming a folder whose pairing.rng replaces the built-in grammar.
inline constexpr const char* kSchemaDirVariable = "VIRDOMM_SCHEMA_DIR";

// $VIRDOMM_SCHEMA_DIR/pairing.rng when the variable is set and not empty; otherwise nothing,
// and the built-in grammar applies.
std::optional<std::filesystem::path> PairingSchemaOverride();

// A compiled RelaxNG grammar. Validation is reentrant per call (own context each time).
class PairingSchema {
 public:
  // Loads and compiles a grammar file; throws Error naming the file and what is wrong with it
  // (missing, not a file, libxml2's complaint).
  explicit PairingSchema(const std::filesystem::path& rng_file);

  // Compiles grammar text held in memory; `source` names it in every message.
  static PairingSchema FromText(std::string_view rng_text, std::string source);

  // The grammar compiled into this binary from xml-schemas/pairing.rng at build time.
  static PairingSchema BuiltIn();

  // The grammar the commands validate with: PairingSchemaOverride()'s file when the variable is
  // set (a missing or broken file is an error naming the file and the variable), else BuiltIn().
  // The copy installed under <prefix>/share/virdomm is for other tools; it is not read here, so
  // what a binary accepts never depends on which version's file is installed.
  static PairingSchema Load();

  // Empty when `element_xml` (one pairing element as its own document) is valid, else the
  // validator's messages joined by "; ". Malformed XML is reported the same way.
  [[nodiscard]] std::string Validate(std::string_view element_xml) const;

  // Same for an element inside a larger tree (e.g. a domain's <metadata> child).
  [[nodiscard]] std::string ValidateNode(const xmlNode* element) const;

  // Where the grammar came from: the file's path, or "the built-in pairing.rng".
  [[nodiscard]] const std::string& Source() const { return source_; }

 private:
  using ParserCtxt = UniqueHandle<xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt>;

  // Checks that the file is there (libxml2's own message would not say) and opens a parser.
  static ParserCtxt OpenFile(const std::filesystem::path& rng_file);
  PairingSchema(ParserCtxt parser, std::string source);
  [[nodiscard]] std::string ValidateDoc(xmlDoc* doc) const;

  std::string source_;
  UniqueHandle<xmlRelaxNG, xmlRelaxNGFree> grammar_;
};

}  // namespace virdomm
