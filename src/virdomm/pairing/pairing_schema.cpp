// Loads pairing.rng from the install prefix (or the environment, or the source tree) and
// validates pairing elements against it, collecting libxml2's messages instead of printing them.
#include "pairing/pairing_schema.h"

#include <libxml/xmlerror.h>

#include <cstdlib>
#include <system_error>

#include "common/xml_doc.h"

#ifndef VIRDOMM_INSTALLED_SCHEMA_DIR
#error "VIRDOMM_INSTALLED_SCHEMA_DIR must be defined by the build"
#endif

namespace virdomm {

namespace {

using RelaxParserCtxt = UniqueHandle<xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt>;
using RelaxValidCtxt = UniqueHandle<xmlRelaxNGValidCtxt, xmlRelaxNGFreeValidCtxt>;

// Gathers structured errors from one parse or validation run.
struct ErrorSink {
  std::string text;
  static void Collect(void* user, xmlErrorPtr error) {
    auto* sink = static_cast<ErrorSink*>(user);
    if (error == nullptr || error->message == nullptr) {
      return;
    }
    std::string msg = error->message;
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
      msg.pop_back();
    }
    if (error->node != nullptr) {
      const auto* node = static_cast<const xmlNode*>(error->node);
      if (node->name != nullptr) {
        msg = "<" + std::string(reinterpret_cast<const char*>(node->name)) + ">: " + msg;
      }
    }
    if (!sink->text.empty()) {
      sink->text += "; ";
    }
    sink->text += msg;
  }
};

}  // namespace

std::vector<std::filesystem::path> PairingSchemaSearchPath(
    const std::optional<std::filesystem::path>& extra_dir) {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("VIRDOMM_SCHEMA_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  dirs.emplace_back(VIRDOMM_INSTALLED_SCHEMA_DIR);
  if (extra_dir) {
    dirs.push_back(*extra_dir);
  }
  return dirs;
}

std::filesystem::path FindPairingSchema(const std::optional<std::filesystem::path>& extra_dir) {
  std::string tried;
  for (const auto& dir : PairingSchemaSearchPath(extra_dir)) {
    std::filesystem::path file = dir / kPairingSchemaFile;
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) {
      return file;
    }
    tried += (tried.empty() ? "" : ", ") + file.string();
  }
  throw Error("pairing schema not found (tried " + tried +
              "); install virdomm (make install puts it in <prefix>/share/virdomm) or set "
              "VIRDOMM_SCHEMA_DIR to the folder holding pairing.rng");
}

PairingSchema::PairingSchema(const std::filesystem::path& rng_file) : file_(rng_file) {
  ErrorSink sink;
  RelaxParserCtxt parser(xmlRelaxNGNewParserCtxt(rng_file.c_str()));
  if (!parser) {
    throw Error("loading pairing schema " + rng_file.string() + ": out of memory");
  }
  xmlRelaxNGSetParserStructuredErrors(parser.get(), &ErrorSink::Collect, &sink);
  grammar_.reset(xmlRelaxNGParse(parser.get()));
  if (!grammar_) {
    throw Error("loading pairing schema " + rng_file.string() + ": " +
                (sink.text.empty() ? "not a RelaxNG grammar" : sink.text) +
                " (reinstall virdomm or point VIRDOMM_SCHEMA_DIR at an intact copy)");
  }
}

PairingSchema PairingSchema::Load(const std::optional<std::filesystem::path>& extra_dir) {
  return PairingSchema(FindPairingSchema(extra_dir));
}

std::string PairingSchema::Validate(std::string_view element_xml) const {
  try {
    XmlDoc doc = ParseXml(element_xml, "pairing metadata");
    return ValidateDoc(doc.get());
  } catch (const Error& e) {
    return e.what();
  }
}

std::string PairingSchema::ValidateNode(const xmlNode* element) const {
  // RelaxNG validates whole documents: copy the element (with its in-scope namespaces) into
  // a document of its own.
  XmlDoc doc(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
  if (!doc) {
    throw Error("validating pairing metadata: out of memory");
  }
  xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(element), doc.get(), 1);
  if (copy == nullptr) {
    throw Error("validating pairing metadata: out of memory");
  }
  xmlDocSetRootElement(doc.get(), copy);
  xmlReconciliateNs(doc.get(), copy);
  return ValidateDoc(doc.get());
}

std::string PairingSchema::ValidateDoc(xmlDoc* doc) const {
  ErrorSink sink;
  RelaxValidCtxt ctxt(xmlRelaxNGNewValidCtxt(grammar_.get()));
  if (!ctxt) {
    throw Error("validating pairing metadata: out of memory");
  }
  xmlRelaxNGSetValidStructuredErrors(ctxt.get(), &ErrorSink::Collect, &sink);
  int rc = xmlRelaxNGValidateDoc(ctxt.get(), doc);
  if (rc == 0) {
    return {};
  }
  if (sink.text.empty()) {
    sink.text = rc < 0 ? "validator failed internally" : "does not match pairing.rng";
  }
  return "pairing metadata does not match " + file_.string() + ": " + sink.text;
}

}  // namespace virdomm
