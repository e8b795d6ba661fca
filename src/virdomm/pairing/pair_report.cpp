// Pair states and the checks behind `virdomm check`. No libvirt here: the inputs are domain
// XML strings, so every rule is tested with golden files.
#include "pairing/pair_report.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "common/xml_doc.h"
#include "pairing/pairing_xml.h"

namespace virdomm {

namespace {

// Validates the pairing element of one domain XML; empty when valid or absent.
std::string SchemaErrorOf(std::string_view domain_xml, const PairingSchema& schema,
                          std::string* claimed_role) {
  XmlDoc doc = ParseXml(domain_xml, "domain XML");
  const xmlNode* node = nullptr;
  try {
    node = FindPairingNode(doc.get());
  } catch (const PairingError& e) {
    return e.what();
  }
  if (node == nullptr) {
    return {};
  }
  if (claimed_role != nullptr) {
    *claimed_role = XmlAttr(node, "role").value_or("");
  }
  return schema.ValidateNode(node);
}

const char* PartnerRoleWord(PairingRole role) {
  return role == PairingRole::kMonitor ? "target" : "monitor";
}

std::string Quote(const std::string& name) { return "'" + name + "'"; }

// How a domain is called in messages: its name, or its UUID when it is not defined here.
std::string Called(const DomainView* view, const PartnerRef& ref) {
  if (view != nullptr) {
    return Quote(view->effective.name);
  }
  return (ref.name.empty() ? std::string("a domain") : Quote(ref.name)) + " (UUID " + ref.uuid +
         ")";
}

class Index {
 public:
  explicit Index(const std::vector<DomainView>& domains) {
    for (const auto& d : domains) {
      by_uuid_.emplace(d.effective.uuid, &d);
    }
  }
  [[nodiscard]] const DomainView* Find(const std::string& uuid) const {
    auto it = by_uuid_.find(uuid);
    return it == by_uuid_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, const DomainView*> by_uuid_;
};

PairEnd EndOf(const DomainView* view, const PartnerRef& ref) {
  PairEnd end;
  end.uuid = ref.uuid;
  end.name = ref.name;
  if (view != nullptr) {
    end.uuid = view->effective.uuid;
    end.name = view->effective.name;
    end.defined = true;
    end.running = view->running;
    end.id = view->effective.id;
  }
  return end;
}

PairEnd EndOf(const DomainView& view) { return EndOf(&view, PartnerRef{}); }

// Whether `partner` answers `self`'s claim, and if not, why not (plain words).
struct Answer {
  PairingConsent state;
  std::string why;
};

Answer AnswerOf(const DomainView& self, const DomainView* partner) {
  const Pairing& mine = *self.effective.pairing;
  const char* want = PartnerRoleWord(mine.role);
  if (partner == nullptr) {
    return {PairingConsent::kBroken, Quote(self.effective.name) + " names " +
                                         Called(nullptr, mine.partner) + " as its " + want +
                                         ", but no domain with that UUID is defined here"};
  }
  if (partner == &self) {
    return {PairingConsent::kBroken, Quote(self.effective.name) + " names itself as its " + want};
  }
  if (!partner->effective.pairing_error.empty()) {
    return {PairingConsent::kBroken, Quote(self.effective.name) + " names " +
                                         Quote(partner->effective.name) + " as its " + want +
                                         ", whose pairing metadata is malformed"};
  }
  if (!partner->effective.pairing) {
    return {PairingConsent::kOneSided, Quote(partner->effective.name) +
                                           " has no pairing metadata; " +
                                           "it does not consent to " + Quote(self.effective.name)};
  }
  const Pairing& theirs = *partner->effective.pairing;
  if (theirs.role == mine.role) {
    return {PairingConsent::kBroken, "both " + Quote(self.effective.name) + " and " +
                                         Quote(partner->effective.name) + " claim role '" +
                                         std::string(ToString(mine.role)) + "'"};
  }
  if (theirs.partner.uuid != self.effective.uuid) {
    return {PairingConsent::kOneSided,
            Quote(partner->effective.name) + " names UUID " + theirs.partner.uuid + " as its " +
                PartnerRoleWord(theirs.role) + ", not " + Quote(self.effective.name) + " (" +
                self.effective.uuid + ")"};
  }
  return {PairingConsent::kMutual, {}};
}

void AddProblem(CheckReport& report, const DomainView& about, std::string message,
                std::set<std::string> involved = {}) {
  // A fault of one side is a fault of the pair: `check PARTNER` shows it too.
  involved.insert(about.effective.uuid);
  if (about.effective.pairing) {
    involved.insert(about.effective.pairing->partner.uuid);
  }
  report.problems.push_back({about.effective.name, std::move(message), std::move(involved)});
}

// Xen 4.17 can serve a pair only as PV Domain M over HVM/PVH DomU; say why otherwise.
void CheckGuestKind(CheckReport& report, const DomainView& d) {
  const Pairing& p = *d.effective.pairing;
  GuestKind kind = d.effective.kind;
  std::string name = Quote(d.effective.name);
  if (p.role == PairingRole::kMonitor && kind != GuestKind::kPv) {
    AddProblem(report, d,
               "Domain M " + name + " is " + std::string(ToString(kind)) +
                   ", but it must be a PV guest: on Xen 4.17 only a PV guest may map another "
                   "guest's memory (an HVM or PVH mapper is refused until Xen 4.19), so it "
                   "could not read its DomU's kernel. Define it as PV "
                   "(<os><type>linux</type>).");
  }
  if (p.role == PairingRole::kTarget && kind != GuestKind::kHvm && kind != GuestKind::kPvh) {
    AddProblem(report, d,
               "DomU " + name + " is " + std::string(ToString(kind)) +
                   ", but it must be HVM or PVH: Xen 4.17 refuses to make a PV guest the "
                   "target of another domain (set_target needs HVM/PVH since Xen 4.10, "
                   "XSA-217), so Domain M could never be given rights over it. Run it as PVH "
                   "(<os><type>xenpvh</type>) or HVM.");
  }
}

std::string Describe(const DomainFacts& facts) {
  if (!facts.pairing_error.empty()) {
    return "malformed metadata";
  }
  if (!facts.pairing) {
    return "no pairing";
  }
  return std::string(ToString(facts.pairing->role)) + " of " + facts.pairing->partner.uuid +
         (facts.pairing->partner.name.empty() ? "" : " (" + facts.pairing->partner.name + ")");
}

// The live definition is what migrates; a config that differs takes over at next cold boot.
void CheckDrift(CheckReport& report, const DomainView& d) {
  if (!d.live || !d.config) {
    return;
  }
  const DomainFacts& live = *d.live;
  const DomainFacts& config = *d.config;
  if (live.pairing == config.pairing && live.pairing_error == config.pairing_error) {
    return;
  }
  std::string what;
  if (live.pairing && config.pairing &&
      live.pairing->partner.uuid == config.pairing->partner.uuid &&
      live.pairing->role == config.pairing->role) {
    what = "the live and saved pairing settings differ (same partner, other options)";
  } else {
    what = "live says " + Describe(live) + ", saved config says " + Describe(config);
  }
  AddProblem(report, d,
             Quote(d.effective.name) + ": live and saved definitions disagree: " + what +
                 ". The live definition is what migrates and what the hook reads; the saved one "
                 "takes over at the next cold start. Write both with `virdomm pair` (or `virsh "
                 "metadata ... --live --config`); an edit in virt-manager or `virsh edit` "
                 "changes only the saved config.");
}

}  // namespace

DomainView MakeDomainView(std::string_view live_xml, const std::optional<std::string>& config_xml,
                          bool running, const PairingSchema& schema) {
  DomainView view;
  view.running = running;
  DomainFacts live = ParseDomainXml(live_xml);
  std::string role;
  std::string live_error = SchemaErrorOf(live_xml, schema, &role);
  if (config_xml) {
    view.config = ParseDomainXml(*config_xml);
    std::string config_role;
    view.config_schema_error = SchemaErrorOf(*config_xml, schema, &config_role);
    if (!running) {
      role = config_role;
    }
  }
  if (running) {
    view.live = live;
    view.live_schema_error = live_error;
    view.effective = live;
  } else {
    // A shut-off domain's only definition is its config; libvirt returns it either way.
    view.effective = view.config ? *view.config : live;
    if (!view.config) {
      view.config_schema_error = live_error;
    }
  }
  view.claimed_role = role;
  return view;
}

std::string_view ToString(PairingConsent state) {
  switch (state) {
    case PairingConsent::kMutual:
      return "mutual";
    case PairingConsent::kOneSided:
      return "one-sided";
    case PairingConsent::kBroken:
      return "broken";
  }
  return "unknown";
}

std::vector<PairRow> ListPairs(const std::vector<DomainView>& domains) {
  Index index(domains);
  std::vector<PairRow> rows;
  std::set<std::pair<std::string, std::string>> seen;  // (monitor uuid, target uuid)
  for (const auto& d : domains) {
    if (!d.effective.pairing_error.empty()) {
      PairRow row;
      (d.claimed_role == "target" ? row.target : row.monitor) = EndOf(d);
      (d.claimed_role == "target" ? row.monitor : row.target).name = "(unreadable)";
      row.state = PairingConsent::kBroken;
      row.why =
          Quote(d.effective.name) + " has malformed pairing metadata: " + d.effective.pairing_error;
      rows.push_back(std::move(row));
      continue;
    }
    if (!d.effective.pairing) {
      continue;
    }
    const Pairing& p = *d.effective.pairing;
    const DomainView* partner = index.Find(p.partner.uuid);
    PairRow row;
    PairEnd self = EndOf(d);
    PairEnd other = EndOf(partner, p.partner);
    bool monitor_side = p.role == PairingRole::kMonitor;
    row.monitor = monitor_side ? self : other;
    row.target = monitor_side ? other : self;
    if (!seen.insert({row.monitor.uuid, row.target.uuid}).second) {
      continue;
    }
    Answer answer = AnswerOf(d, partner);
    row.state = answer.state;
    row.why = answer.why;
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const PairRow& a, const PairRow& b) {
    return std::tie(a.monitor.name, a.monitor.uuid, a.target.name, a.target.uuid) <
           std::tie(b.monitor.name, b.monitor.uuid, b.target.name, b.target.uuid);
  });
  return rows;
}

CheckReport CheckPairs(const std::vector<DomainView>& domains,
                       const std::optional<std::string>& only_uuid) {
  Index index(domains);
  CheckReport report;
  std::map<std::string, std::vector<const DomainView*>> monitors_of;  // target uuid -> claims
  for (const auto& d : domains) {
    // One problem per fault in the definition that counts; the saved config's own faults
    // show up as drift.
    const std::string& schema_error = d.running ? d.live_schema_error : d.config_schema_error;
    if (!d.effective.pairing_error.empty()) {
      AddProblem(report, d,
                 Quote(d.effective.name) +
                     " has malformed pairing metadata: " + d.effective.pairing_error +
                     (schema_error.empty() ? "" : " (" + schema_error + ")") +
                     ". Remove it with `virdomm unpair " + d.effective.name +
                     "` and pair again with `virdomm pair`.");
    } else if (!schema_error.empty()) {
      AddProblem(report, d, Quote(d.effective.name) + ": " + schema_error);
    }
    CheckDrift(report, d);
    if (!d.effective.pairing) {
      continue;
    }
    ++report.pairing_elements;
    const Pairing& p = *d.effective.pairing;
    const DomainView* partner = index.Find(p.partner.uuid);
    Answer answer = AnswerOf(d, partner);
    if (answer.state != PairingConsent::kMutual) {
      AddProblem(report, d,
                 answer.why + ". A pairing needs both sides to name each other by UUID; " +
                     "a one-sided claim grants nothing. Run `virdomm pair` to write both sides, "
                     "or `virdomm unpair " +
                     d.effective.name + "` to drop the claim.",
                 {p.partner.uuid});
    } else if (!p.partner.name.empty() && p.partner.name != partner->effective.name) {
      report.notes.push_back({d.effective.name,
                              Quote(d.effective.name) + " calls its partner '" + p.partner.name +
                                  "', which is now named " + Quote(partner->effective.name) +
                                  " (names are informational; the UUID matches)",
                              {d.effective.uuid, p.partner.uuid}});
    }
    CheckGuestKind(report, d);
    if (p.role == PairingRole::kMonitor) {
      monitors_of[p.partner.uuid].push_back(&d);
    }
  }
  for (const auto& [target_uuid, monitors] : monitors_of) {
    if (monitors.size() < 2) {
      continue;
    }
    const DomainView* target = index.Find(target_uuid);
    std::string names;
    std::set<std::string> involved = {target_uuid};
    for (const DomainView* m : monitors) {
      names += (names.empty() ? "" : ", ") + Quote(m->effective.name);
      involved.insert(m->effective.uuid);
    }
    std::string message =
        Called(target, PartnerRef{target_uuid, monitors.front()->effective.pairing->partner.name}) +
        " is claimed by " + std::to_string(monitors.size()) + " monitors (" + names +
        "); Xen lets one Domain M hold a given DomU, so only one can work. "
        "Unpair all but one.";
    report.problems.push_back({target != nullptr ? target->effective.name : target_uuid,
                               std::move(message), std::move(involved)});
  }
  if (only_uuid) {
    auto concerns = [&](const Finding& f) { return f.domains.count(*only_uuid) != 0; };
    std::erase_if(report.problems, [&](const Finding& f) { return !concerns(f); });
    std::erase_if(report.notes, [&](const Finding& f) { return !concerns(f); });
    const DomainView* self = index.Find(*only_uuid);
    bool claimed = std::any_of(domains.begin(), domains.end(), [&](const DomainView& d) {
      return d.effective.pairing && d.effective.pairing->partner.uuid == *only_uuid;
    });
    if (self != nullptr && !self->HasPairingElement() && !claimed &&
        !(self->config && (self->config->pairing || !self->config->pairing_error.empty()))) {
      report.problems.push_back(
          {self->effective.name,
           Quote(self->effective.name) +
               " is not paired: it has no pairing metadata and no domain "
               "names it. Pair it with `virdomm pair --monitor M --target U`.",
           {*only_uuid}});
    }
  }
  return report;
}

}  // namespace virdomm
