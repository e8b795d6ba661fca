// libxml2 documents behind RAII, parsed with network access and entity expansion off.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_handle.h"

namespace virdomm {

using XmlDoc = UniqueHandle<xmlDoc, xmlFreeDoc>;

// Upper bound on any XML we accept (domain XML with metadata is a few KiB).
inline constexpr std::size_t kMaxXmlBytes = 1U << 20U;

// Parses untrusted XML: no network, no DTD loading, no entity substitution, bounded size;
// documents with a <!DOCTYPE> are refused.
// Throws Error naming `what` and libxml2's message (line and reason) on failure.
XmlDoc ParseXml(std::string_view text, const std::string& what);

// Attribute value of `node`, or nullopt when absent.
std::optional<std::string> XmlAttr(const xmlNode* node, const char* name);

// Text content of `node` (empty when none).
std::string XmlText(const xmlNode* node);

// Serialises `node` (and its subtree) without the XML declaration.
std::string XmlNodeToString(xmlDoc* doc, xmlNode* node);

// True when `node` is an element named `name` in namespace `ns_uri` (nullptr: no namespace).
bool XmlIsElement(const xmlNode* node, const char* name, const char* ns_uri);

}  // namespace virdomm
