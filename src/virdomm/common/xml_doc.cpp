// Safe parsing and small accessors over libxml2 trees.
#include "common/xml_doc.h"

#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include <cstring>

#include "common/error.h"

namespace virdomm {

namespace {

// Parses untrusted XML without network, DTD loading or entity substitution.
constexpr int kSafeParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

std::string LastXmlError() {
  const xmlError* err = xmlGetLastError();
  if (err == nullptr || err->message == nullptr) {
    return "not well-formed";
  }
  std::string msg = err->message;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
    msg.pop_back();
  }
  return "line " + std::to_string(err->line) + ": " + msg;
}

// xmlFree is a function-pointer variable, not a function, so wrap it for UniqueHandle.
void FreeXmlString(xmlChar* text) { xmlFree(text); }
using XmlString = UniqueHandle<xmlChar, FreeXmlString>;

}  // namespace

XmlDoc ParseXml(std::string_view text, const std::string& what) {
  if (text.size() > kMaxXmlBytes) {
    throw Error(what + ": XML is " + std::to_string(text.size()) + " bytes, more than the " +
                std::to_string(kMaxXmlBytes) + " accepted");
  }
  xmlResetLastError();
  XmlDoc doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, nullptr,
                           kSafeParseOptions));
  if (!doc) {
    throw Error(what + ": malformed XML (" + LastXmlError() + ")");
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    throw Error(what + ": XML has no root element");
  }
  // A DTD could declare default attributes or entities that change what the document says
  // without being visible in it; libvirt never produces one.
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    throw Error(what + ": XML with a <!DOCTYPE> is not accepted");
  }
  return doc;
}

std::optional<std::string> XmlAttr(const xmlNode* node, const char* name) {
  XmlString value(xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name)));
  if (!value) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(value.get()));
}

std::string XmlText(const xmlNode* node) {
  XmlString value(xmlNodeGetContent(node));
  return value ? std::string(reinterpret_cast<const char*>(value.get())) : std::string();
}

std::string XmlNodeToString(xmlDoc* doc, xmlNode* node) {
  UniqueHandle<xmlBuffer, xmlBufferFree> buf(xmlBufferCreate());
  if (!buf || xmlNodeDump(buf.get(), doc, node, 0, 0) < 0) {
    throw Error("serialising XML element: out of memory");
  }
  return {reinterpret_cast<const char*>(xmlBufferContent(buf.get())),
          static_cast<std::size_t>(xmlBufferLength(buf.get()))};
}

bool XmlIsElement(const xmlNode* node, const char* name, const char* ns_uri) {
  if (node == nullptr || node->type != XML_ELEMENT_NODE ||
      std::strcmp(reinterpret_cast<const char*>(node->name), name) != 0) {
    return false;
  }
  if (ns_uri == nullptr) {
    return node->ns == nullptr;
  }
  return node->ns != nullptr && node->ns->href != nullptr &&
         std::strcmp(reinterpret_cast<const char*>(node->ns->href), ns_uri) == 0;
}

}  // namespace virdomm
