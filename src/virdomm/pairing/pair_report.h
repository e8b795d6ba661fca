// Pure decisions over every domain on a connection: which pairs exist and in what state
// (for `virdomm list`/`show`) and whether each pair can work (for `virdomm check`).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/domain_xml.h"
#include "pairing/pairing_schema.h"

namespace virdomm {

// One domain as libvirt describes it: the live definition (what migrates) and, for a
// persistent domain, the saved config. Built by MakeDomainView from the raw XML.
struct DomainView {
  DomainFacts effective;              // live when running, else the saved config
  std::optional<DomainFacts> live;    // only while running
  std::optional<DomainFacts> config;  // only for persistent domains
  bool running = false;
  std::string live_schema_error;    // non-empty when the live pairing fails pairing.rng
  std::string config_schema_error;  // same for the saved config
  std::string claimed_role;         // role='...' as written, even when the element is malformed

  [[nodiscard]] bool HasPairingElement() const {
    return effective.pairing.has_value() || !effective.pairing_error.empty();
  }
};

// Parses `live_xml` (virDomainGetXMLDesc, flags 0) and `config_xml` (VIR_DOMAIN_XML_INACTIVE,
// absent for transient domains) and validates each pairing element against `schema`.
// Throws Error when the XML is not a domain at all.
DomainView MakeDomainView(std::string_view live_xml, const std::optional<std::string>& config_xml,
                          bool running, const PairingSchema& schema);

// How far the two domains of a pair agree in their pairing metadata: each names the other
// (mutual), one does and the other has none (one-sided), or the claims contradict (broken).
// Not the binding dom0 publishes in xenstore, which is protocol::Binding.
enum class PairingConsent { kMutual, kOneSided, kBroken };
std::string_view ToString(PairingConsent state);

// One member of a pair as seen on this connection.
struct PairEnd {
  std::string uuid;
  std::string name;      // libvirt's name when defined here, else the name the partner wrote
  bool defined = false;  // a domain with this UUID exists on the connection
  bool running = false;
  std::optional<int> id;  // Xen domid while running
};

struct PairRow {
  PairEnd monitor;
  PairEnd target;
  PairingConsent state = PairingConsent::kBroken;
  std::string why;  // empty for mutual pairs; otherwise what is wrong, in plain words
};

// Every pair or claim on the connection, each pair once, sorted by monitor then target name.
std::vector<PairRow> ListPairs(const std::vector<DomainView>& domains);

// A problem `virdomm check` reports; `domains` are the UUIDs it concerns (for check DOM).
struct Finding {
  std::string domain;   // name of the domain the message is about
  std::string message;  // what is wrong, why it matters, what to do
  std::set<std::string> domains;
};

struct CheckReport {
  std::vector<Finding> problems;  // any problem: exit status 1
  std::vector<Finding> notes;     // worth knowing, not wrong
  int pairing_elements = 0;
  [[nodiscard]] bool Ok() const { return problems.empty(); }
};

// Schema, mutual consent by UUID, one monitor per target, Xen 4.17 guest kinds and live vs
// config drift. With `only_uuid`, keeps the findings that concern that domain (and fails when
// it takes part in no pairing at all).
CheckReport CheckPairs(const std::vector<DomainView>& domains,
                       const std::optional<std::string>& only_uuid = std::nullopt);

}  // namespace virdomm
