// Reading this domain's facts from the XML libvirt passed on stdin.
#include "hook_facts.h"

#include "common/error.h"
#include "common/xml_doc.h"
#include "network/domain_nics.h"
#include "pairing/pairing_xml.h"

namespace virdomm {

std::optional<GrantFailurePolicy> ReadPolicyLeniently(std::string_view domain_xml) {
  XmlDoc doc;
  try {
    doc = ParseXml(domain_xml, "domain XML");
  } catch (const Error&) {
    return std::nullopt;
  }
  std::optional<GrantFailurePolicy> found;
  bool conflicting = false;
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  for (const xmlNode* section = root->children; section != nullptr; section = section->next) {
    if (!XmlIsElement(section, "metadata", nullptr)) {
      continue;
    }
    for (const xmlNode* pairing = section->children; pairing != nullptr; pairing = pairing->next) {
      if (!XmlIsElement(pairing, "pairing", kPairingNamespace)) {
        continue;
      }
      for (const xmlNode* child = pairing->children; child != nullptr; child = child->next) {
        if (!XmlIsElement(child, "policy", kPairingNamespace)) {
          continue;
        }
        auto policy = ParseGrantFailurePolicy(XmlAttr(child, "on-grant-failure").value_or(""));
        if (policy) {
          conflicting = conflicting || (found && *found != *policy);
          found = policy;
        }
      }
    }
  }
  // Two different answers: the stricter one.
  return conflicting ? std::optional(GrantFailurePolicy::kAbort) : found;
}

SelfFacts ReadSelfFacts(const HookEvent& event) {
  SelfFacts self;
  if (event.stdin_truncated) {
    self.xml_error =
        "domain XML on stdin is larger than " + std::to_string(kMaxHookStdinBytes) + " bytes";
    return self;
  }
  if (event.stdin_xml.find_first_not_of(" \t\r\n") == std::string::npos) {
    self.xml_error = "no domain XML on stdin";
    return self;
  }
  try {
    self.domain = ParseDomainXml(event.stdin_xml);
  } catch (const Error& e) {
    self.xml_error = e.what();
    return self;
  }
  if (self.domain->pairing) {
    self.policy = self.domain->pairing->on_grant_failure;
    if (const auto& network = self.domain->pairing->network) {
      self.mirror_nic_in_xml = MacInDomainXml(event.stdin_xml, network->mirror_mac);
      self.mirror_vif_hint = VifOfMacInDomainXml(event.stdin_xml, network->mirror_mac).value_or("");
    }
  } else if (!self.domain->pairing_error.empty()) {
    self.policy = ReadPolicyLeniently(event.stdin_xml).value_or(GrantFailurePolicy::kAbort);
  }
  return self;
}

}  // namespace virdomm
