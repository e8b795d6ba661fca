// Everything the hook's decision looks at, gathered before deciding: this domain's XML, the
// partner's registration, and what Xen reports. Plain values, no handles.
#pragma once

#include <optional>
#include <string>

#include "domain/domain_xml.h"
#include "hook_event.h"
#include "pair_registry.h"
#include "xen/xen_host.h"

namespace virdomm {

// This domain as its XML describes it.
struct SelfFacts {
  std::optional<DomainFacts> domain;  // nullopt: stdin empty, truncated or not a <domain>
  std::string xml_error;              // why `domain` is nullopt
  // The domain's on-grant-failure policy; read leniently from malformed metadata too,
  // abort when it cannot be read (the pairing default).
  GrantFailurePolicy policy = GrantFailurePolicy::kAbort;
  // A monitor with <network mirror-mac>: whether its XML has a NIC with that MAC, and the vif
  // libvirt named for it (<target dev='vifN.M'/>; empty when the XML names none).
  bool mirror_nic_in_xml = false;
  std::string mirror_vif_hint;

  // True when the domain carries pairing metadata, well-formed or not.
  [[nodiscard]] bool HasPairing() const {
    return domain && (domain->pairing || !domain->pairing_error.empty());
  }
};

// Parses stdin of the event into SelfFacts; never throws.
SelfFacts ReadSelfFacts(const HookEvent& event);

// The on-grant-failure value of a pairing element inside malformed domain XML metadata, if one
// can be read at all. Exposed for tests.
std::optional<GrantFailurePolicy> ReadPolicyLeniently(std::string_view domain_xml);

struct HookFacts {
  SelfFacts self;
  // The partner's registration on this host (its own claim), if any.
  std::optional<Registration> partner_claim;
  std::string partner_claim_error;  // the registration file could not be read
  // Why Domain M could not map its target on this host (e.g. a PVH Domain M on Xen < 4.19);
  // empty when it can or when it was not asked (only `prepare` asks).
  std::string mapping_fault;
  // `prepare` of a domain arriving by a move (noted at `migrate begin`), not a start or restore.
  bool incoming_move = false;
  // Xen's view; only gathered for events that act on Xen and for paired domains.
  bool xen_consulted = false;
  std::string xen_error;                          // Xen could not be asked: why
  std::optional<XenDomainInfo> self_xen;          // this domain, by the domid in its XML
  std::optional<XenDomainInfo> partner_xen;       // the partner by UUID, not dying
  std::optional<PublishedBinding> monitor_state;  // keys of Domain M when M runs
  // Domain M's Xen target as its `target` key records it (written at every bind); Xen sets a
  // target once, so a DomU under another domid can only be followed by a new Domain M.
  std::optional<DomId> monitor_target;
};

}  // namespace virdomm
