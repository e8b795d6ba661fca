// Live and saved definitions of each domain, parsed and schema-checked.
#include "libvirt/domain_views.h"

namespace virdomm {

DomainView ViewOf(const Domain& domain, const PairingSchema& schema) {
  bool running = domain.IsRunning();
  std::string live = domain.LiveXml();
  std::optional<std::string> config = domain.ConfigXml();
  try {
    return MakeDomainView(live, config, running, schema);
  } catch (const Error& e) {
    throw Error("reading domain '" + domain.Name() + "': " + e.what());
  }
}

std::vector<DomainView> CollectDomainViews(const Connection& conn, const PairingSchema& schema) {
  std::vector<DomainView> views;
  for (const Domain& d : conn.ListDomains()) {
    views.push_back(ViewOf(d, schema));
  }
  return views;
}

}  // namespace virdomm
