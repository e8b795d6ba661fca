// Compiles pairing grammars (from a file or from memory) and validates pairing elements against
// them, collecting libxml2's messages instead of printing them.
#include "pairing/pairing_schema.h"

#include <libxml/xmlerror.h>

#include <climits>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "common/xml_doc.h"

namespace virdomm {

namespace {

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

std::optional<std::filesystem::path> PairingSchemaOverride() {
  if (const char* dir = std::getenv(kSchemaDirVariable); dir != nullptr && *dir != '\0') {
    return std::filesystem::path(dir) / kPairingSchemaFile;
  }
  return std::nullopt;
}

PairingSchema::PairingSchema(const std::filesystem::path& rng_file)
    : PairingSchema(OpenFile(rng_file), rng_file.string()) {}

PairingSchema::ParserCtxt PairingSchema::OpenFile(const std::filesystem::path& rng_file) {
  // libxml2 would only say "failed to load external entity": say what is wrong with the path.
  std::error_code ec;
  std::filesystem::file_status st = std::filesystem::status(rng_file, ec);
  if (st.type() == std::filesystem::file_type::not_found) {
    throw Error("loading pairing schema " + rng_file.string() + ": no such file");
  }
  if (!std::filesystem::is_regular_file(st)) {
    throw Error("loading pairing schema " + rng_file.string() + ": " +
                (ec ? ec.message() : std::string("not a regular file")));
  }
  return ParserCtxt(xmlRelaxNGNewParserCtxt(rng_file.c_str()));
}

PairingSchema PairingSchema::FromText(std::string_view rng_text, std::string source) {
  if (rng_text.size() > static_cast<std::size_t>(INT_MAX)) {
    throw Error("loading pairing schema " + source + ": too large");
  }
  return {
      ParserCtxt(xmlRelaxNGNewMemParserCtxt(rng_text.data(), static_cast<int>(rng_text.size()))),
      std::move(source)};
}

PairingSchema::PairingSchema(ParserCtxt parser, std::string source) : source_(std::move(source)) {
  if (!parser) {
    throw Error("loading pairing schema " + source_ + ": out of memory");
  }
  ErrorSink sink;
  xmlRelaxNGSetParserStructuredErrors(parser.get(), &ErrorSink::Collect, &sink);
  grammar_.reset(xmlRelaxNGParse(parser.get()));
  if (!grammar_) {
    throw Error("loading pairing schema " + source_ + ": " +
                (sink.text.empty() ? std::string("not a RelaxNG grammar") : sink.text));
  }
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
  return "pairing metadata does not match " + source_ + ": " + sink.text;
}

}  // namespace virdomm
