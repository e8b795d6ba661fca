// Strict parsing of the pairing element: every fault is named, nothing is guessed.
#include "pairing/pairing_xml.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <sstream>

namespace virdomm {

namespace {

const char* Name(const xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

bool InOurNamespace(const xmlNode* node) {
  return node->type == XML_ELEMENT_NODE && node->ns != nullptr && node->ns->href != nullptr &&
         std::string_view(reinterpret_cast<const char*>(node->ns->href)) == kPairingNamespace;
}

// Whitespace-only text, comments and processing instructions carry nothing; anything else
// inside a leaf element or between the children of <pairing> is a fault.
bool IsIgnorable(const xmlNode* node) {
  switch (node->type) {
    case XML_COMMENT_NODE:
    case XML_PI_NODE:
      return true;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
      return XmlText(node).find_first_not_of(" \t\r\n") == std::string::npos;
    default:
      return false;
  }
}

// Rejects attributes the grammar does not define (a typo must not be silently ignored).
void RequireOnlyAttrs(const xmlNode* node, std::initializer_list<std::string_view> allowed) {
  for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
    std::string_view name = reinterpret_cast<const char*>(attr->name);
    if (attr->ns != nullptr || std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string known;
      for (std::string_view a : allowed) {
        known += (known.empty() ? "" : " ") + std::string(a);
      }
      throw PairingError(std::string("pairing: <") + Name(node) + "> has unknown attribute '" +
                         std::string(name) + "' (allowed: " + known + ")");
    }
  }
}

// Leaf elements hold attributes only.
void RequireEmpty(const xmlNode* node) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (!IsIgnorable(child)) {
      throw PairingError(std::string("pairing: <") + Name(node) +
                         "> must be empty (it carries attributes only)");
    }
  }
}

std::string RequireAttr(const xmlNode* node, const char* attr) {
  auto value = XmlAttr(node, attr);
  if (!value || value->empty()) {
    throw PairingError(std::string("pairing: <") + Name(node) + "> lacks the '" + attr +
                       "' attribute");
  }
  return *value;
}

PartnerRef ParsePartner(const xmlNode* node) {
  RequireOnlyAttrs(node, {"uuid", "name"});
  RequireEmpty(node);
  PartnerRef partner;
  std::string uuid = RequireAttr(node, "uuid");
  auto canonical = CanonicalUuid(uuid);
  if (!canonical) {
    throw PairingError(std::string("pairing: <") + Name(node) + " uuid='" + uuid +
                       "'> is not a UUID (expected 8-4-4-4-12 hex digits)");
  }
  partner.uuid = *canonical;
  partner.name = XmlAttr(node, "name").value_or("");
  return partner;
}

StorageSpec ParseStorage(const xmlNode* node) {
  RequireOnlyAttrs(node, {"source", "format"});
  RequireEmpty(node);
  StorageSpec storage;
  storage.source = RequireAttr(node, "source");
  storage.format = XmlAttr(node, "format").value_or("raw");
  if (storage.format != "raw") {
    throw PairingError("pairing: <storage format='" + storage.format +
                       "'> is not supported (only 'raw')");
  }
  return storage;
}

MemorySpec ParseMemory(const xmlNode* node) {
  RequireOnlyAttrs(node, {"regions", "interval-ms"});
  RequireEmpty(node);
  MemorySpec memory;
  if (auto regions = XmlAttr(node, "regions")) {
    memory.regions.clear();
    std::istringstream words(*regions);
    std::string word;
    while (words >> word) {
      auto region = ParseMemoryRegion(word);
      if (!region) {
        throw PairingError("pairing: <memory regions='" + *regions + "'>: unknown region '" + word +
                           "' (known: kernel-text kernel-rodata)");
      }
      for (MemoryRegion seen : memory.regions) {
        if (seen == *region) {
          throw PairingError("pairing: <memory regions='" + *regions + "'> names '" + word +
                             "' twice");
        }
      }
      memory.regions.push_back(*region);
    }
    if (memory.regions.empty()) {
      throw PairingError("pairing: <memory regions=''> names no region");
    }
  }
  if (auto interval = XmlAttr(node, "interval-ms")) {
    std::uint32_t value = 0;
    const char* end = interval->data() + interval->size();
    auto [ptr, ec] = std::from_chars(interval->data(), end, value);
    if (ec != std::errc() || ptr != end || value < kMinIntervalMs || value > kMaxIntervalMs) {
      throw PairingError("pairing: <memory interval-ms='" + *interval +
                         "'> must be a whole number of milliseconds from " +
                         std::to_string(kMinIntervalMs) + " to " + std::to_string(kMaxIntervalMs));
    }
    memory.interval_ms = value;
  }
  return memory;
}

NetworkSpec ParseNetwork(const xmlNode* node) {
  RequireOnlyAttrs(node, {"mirror-mac"});
  RequireEmpty(node);
  std::string text = RequireAttr(node, "mirror-mac");
  std::string why;
  NetworkSpec network;
  network.mirror_mac = CanonicalUnicastMac(text, why);
  if (network.mirror_mac.empty()) {
    throw PairingError("pairing: <network mirror-mac='" + text + "'> " + why);
  }
  return network;
}

// <policy on-grant-failure="abort|warn" order="domu-first|monitor-first"/>: either or both.
void ParsePolicy(const xmlNode* node, Pairing& pairing) {
  RequireOnlyAttrs(node, {"on-grant-failure", "order"});
  RequireEmpty(node);
  if (!XmlAttr(node, "on-grant-failure") && !XmlAttr(node, "order")) {
    throw PairingError(
        "pairing: <policy> needs on-grant-failure='abort|warn' or "
        "order='domu-first|monitor-first'");
  }
  if (auto text = XmlAttr(node, "on-grant-failure")) {
    auto policy = ParseGrantFailurePolicy(*text);
    if (!policy) {
      throw PairingError("pairing: <policy on-grant-failure='" + *text +
                         "'> must be 'abort' or 'warn'");
    }
    pairing.on_grant_failure = *policy;
  }
  if (auto text = XmlAttr(node, "order")) {
    auto order = ParseMoveOrder(*text);
    if (!order) {
      throw PairingError("pairing: <policy order='" + *text +
                         "'> must be 'domu-first' or 'monitor-first'");
    }
    pairing.move_order = *order;
  }
}

}  // namespace

Pairing ParsePairingNode(const xmlNode* root) {
  if (root == nullptr || root->type != XML_ELEMENT_NODE) {
    throw PairingError("pairing: no element");
  }
  if (!InOurNamespace(root)) {
    const char* ns = (root->ns != nullptr && root->ns->href != nullptr)
                         ? reinterpret_cast<const char*>(root->ns->href)
                         : "(none)";
    throw PairingError(std::string("pairing: root element <") + Name(root) + "> is in namespace " +
                       ns + ", expected " + kPairingNamespace);
  }
  if (std::string_view(Name(root)) != "pairing") {
    throw PairingError(std::string("pairing: root element is <") + Name(root) +
                       ">, expected <pairing>");
  }
  RequireOnlyAttrs(root, {"role"});
  std::string role_text = RequireAttr(root, "role");
  auto role = ParsePairingRole(role_text);
  if (!role) {
    throw PairingError("pairing: role='" + role_text + "' must be 'monitor' or 'target'");
  }

  Pairing pairing;
  pairing.role = *role;
  const char* partner_element = (*role == PairingRole::kMonitor) ? "target" : "monitor";
  bool have_partner = false;
  bool have_policy = false;
  for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) {
      if (!IsIgnorable(child)) {
        throw PairingError("pairing: unexpected text inside <pairing>");
      }
      continue;
    }
    if (!InOurNamespace(child)) {
      throw PairingError(std::string("pairing: element <") + Name(child) +
                         "> is not in namespace " + kPairingNamespace);
    }
    std::string_view name = Name(child);
    if (name == partner_element) {
      if (have_partner) {
        throw PairingError(std::string("pairing: role='") + role_text + "' names more than one <" +
                           partner_element + "> (one monitor watches exactly one target)");
      }
      pairing.partner = ParsePartner(child);
      have_partner = true;
    } else if (name == "storage" && *role == PairingRole::kMonitor && !pairing.storage) {
      pairing.storage = ParseStorage(child);
    } else if (name == "memory" && *role == PairingRole::kMonitor && !pairing.memory) {
      pairing.memory = ParseMemory(child);
    } else if (name == "network" && *role == PairingRole::kMonitor && !pairing.network) {
      pairing.network = ParseNetwork(child);
    } else if (name == "policy" && !have_policy) {
      ParsePolicy(child, pairing);
      have_policy = true;
    } else {
      throw PairingError(std::string("pairing: element <") + std::string(name) +
                         "> is unexpected, repeated, or not allowed for role='" + role_text + "'");
    }
  }
  if (!have_partner) {
    throw PairingError(std::string("pairing: role='") + role_text + "' needs a <" +
                       partner_element + " uuid='...'/> naming its partner");
  }
  return pairing;
}

Pairing ParsePairing(std::string_view element_xml) {
  XmlDoc doc = [&] {
    try {
      return ParseXml(element_xml, "pairing metadata");
    } catch (const PairingError&) {
      throw;
    } catch (const Error& e) {
      throw PairingError(e.what());
    }
  }();
  return ParsePairingNode(xmlDocGetRootElement(doc.get()));
}

const xmlNode* FindPairingNode(const xmlDoc* domain_doc) {
  const xmlNode* root = xmlDocGetRootElement(const_cast<xmlDoc*>(domain_doc));
  const xmlNode* found = nullptr;
  for (const xmlNode* section = root != nullptr ? root->children : nullptr; section != nullptr;
       section = section->next) {
    if (!XmlIsElement(section, "metadata", nullptr)) {
      continue;
    }
    for (const xmlNode* child = section->children; child != nullptr; child = child->next) {
      if (InOurNamespace(child)) {
        if (found != nullptr) {
          throw PairingError(
              "pairing: the domain's <metadata> holds more than one element in namespace " +
              std::string(kPairingNamespace));
        }
        found = child;
      }
    }
  }
  return found;
}

std::string EmitPairing(const Pairing& pairing) {
  auto escape = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        // Attribute-value normalisation would turn these into spaces; keep them exact.
        case '\n':
          out += "&#10;";
          break;
        case '\r':
          out += "&#13;";
          break;
        case '\t':
          out += "&#9;";
          break;
        default:
          out += c;
      }
    }
    return out;
  };
  // Prefixed with the key, as libvirt stores it: an element already in our namespace is kept
  // as written, so the stored form reads the same in `virsh dumpxml`.
  const std::string p = std::string(kPairingKey) + ":";
  std::ostringstream out;
  out << "<" << p << "pairing xmlns:" << kPairingKey << "=\"" << kPairingNamespace << "\" role=\""
      << ToString(pairing.role) << "\">\n";
  const char* partner_element = pairing.role == PairingRole::kMonitor ? "target" : "monitor";
  out << "  <" << p << partner_element << " uuid=\"" << pairing.partner.uuid << "\"";
  if (!pairing.partner.name.empty()) {
    out << " name=\"" << escape(pairing.partner.name) << "\"";
  }
  out << "/>\n";
  if (pairing.storage) {
    out << "  <" << p << "storage source=\"" << escape(pairing.storage->source) << "\" format=\""
        << escape(pairing.storage->format) << "\"/>\n";
  }
  if (pairing.memory) {
    out << "  <" << p << "memory regions=\"";
    for (std::size_t i = 0; i < pairing.memory->regions.size(); ++i) {
      out << (i != 0 ? " " : "") << ToString(pairing.memory->regions[i]);
    }
    out << "\" interval-ms=\"" << pairing.memory->interval_ms << "\"/>\n";
  }
  if (pairing.network) {
    out << "  <" << p << "network mirror-mac=\"" << escape(pairing.network->mirror_mac) << "\"/>\n";
  }
  out << "  <" << p << "policy on-grant-failure=\"" << ToString(pairing.on_grant_failure) << "\"";
  if (pairing.move_order) {
    out << " order=\"" << ToString(*pairing.move_order) << "\"";
  }
  out << "/>\n";
  out << "</" << p << "pairing>";
  return out.str();
}

}  // namespace virdomm
