// `virdomm pair` and `virdomm unpair`: both sides of the metadata or neither.
#include <algorithm>
#include <sstream>

#include "cli/commands.h"
#include "libvirt/connection.h"
#include "libvirt/domain_views.h"
#include "libvirt/metadata_side.h"
#include "pairing/pair_report.h"
#include "pairing/pair_transaction.h"
#include "pairing/pairing_schema.h"
#include "pairing/pairing_xml.h"

namespace virdomm {

namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

MemorySpec MemoryFromOptions(const PairOptions& options) {
  MemorySpec memory;
  memory.regions.clear();
  std::istringstream words(options.memory_regions);
  std::string word;
  while (words >> word) {
    auto region = ParseMemoryRegion(word);
    if (!region) {
      throw Error("--memory: unknown region '" + word + "' (known: kernel-text kernel-rodata)");
    }
    memory.regions.push_back(*region);
  }
  if (memory.regions.empty()) {
    throw Error("--memory: name at least one region (kernel-text, kernel-rodata)");
  }
  if (options.interval_ms < kMinIntervalMs || options.interval_ms > kMaxIntervalMs) {
    throw Error("--interval: " + std::to_string(options.interval_ms) + " ms is outside " +
                std::to_string(kMinIntervalMs) + ".." + std::to_string(kMaxIntervalMs));
  }
  memory.interval_ms = options.interval_ms;
  return memory;
}

// Every reason `view` is already tied to someone other than `partner_uuid` in `role`.
void CollectConflicts(const DomainView& view, PairingRole role, const Domain& partner,
                      const std::vector<DomainView>& all, std::vector<std::string>& conflicts) {
  const std::string name = Quote(view.effective.name);
  for (const auto* facts : {&view.live, &view.config}) {
    if (!facts->has_value()) {
      continue;
    }
    const DomainFacts& f = **facts;
    const char* which = facts == &view.live ? "live" : "saved";
    if (!f.pairing_error.empty()) {
      conflicts.push_back(name + " has malformed " + which + " pairing metadata (" +
                          f.pairing_error + ")");
    } else if (f.pairing &&
               (f.pairing->role != role || f.pairing->partner.uuid != partner.Uuid())) {
      conflicts.push_back(name + " is already the " + std::string(ToString(f.pairing->role)) +
                          " of " +
                          (f.pairing->partner.name.empty() ? f.pairing->partner.uuid
                                                           : Quote(f.pairing->partner.name)) +
                          " (" + which + " definition)");
    }
  }
  for (const DomainView& other : all) {
    if (other.effective.uuid == view.effective.uuid || other.effective.uuid == partner.Uuid()) {
      continue;
    }
    if (other.effective.pairing && other.effective.pairing->partner.uuid == view.effective.uuid) {
      conflicts.push_back(
          Quote(other.effective.name) + " names " + name + " as its " +
          (other.effective.pairing->role == PairingRole::kMonitor ? "target" : "monitor"));
    }
  }
}

}  // namespace

int RunPair(const CliContext& ctx, const PairOptions& options) {
  PairingSchema schema = PairingSchema::Load();
  Connection conn(ctx.uri);
  Domain monitor = conn.LookupDomain(options.monitor);
  Domain target = conn.LookupDomain(options.target);
  if (monitor.Uuid() == target.Uuid()) {
    ctx.err << "virdomm pair: --monitor and --target both name domain " << Quote(monitor.Name())
            << "; a domain cannot monitor itself\n";
    return kExitFailed;
  }

  std::vector<DomainView> all = CollectDomainViews(conn, schema);
  std::vector<std::string> conflicts;
  CollectConflicts(ViewOf(monitor, schema), PairingRole::kMonitor, target, all, conflicts);
  CollectConflicts(ViewOf(target, schema), PairingRole::kTarget, monitor, all, conflicts);
  if (!conflicts.empty() && !options.force) {
    ctx.err << "virdomm pair: refusing to pair " << Quote(monitor.Name()) << " with "
            << Quote(target.Name()) << ":\n";
    for (const auto& c : conflicts) {
      ctx.err << "  - " << c << "\n";
    }
    ctx.err << "Unpair first (`virdomm unpair DOMAIN` on the domains named above) or pass "
               "--force to overwrite the metadata of these two domains.\n";
    return kExitFailed;
  }

  Pairing monitor_side;
  monitor_side.role = PairingRole::kMonitor;
  monitor_side.partner = {target.Uuid(), target.Name()};
  if (options.storage) {
    monitor_side.storage = StorageSpec{*options.storage, "raw"};
  }
  monitor_side.memory = MemoryFromOptions(options);
  if (options.mirror_mac) {
    monitor_side.network = NetworkSpec{*options.mirror_mac};
  }
  monitor_side.on_grant_failure = options.on_grant_failure;
  monitor_side.move_order = options.move_order;
  Pairing target_side;
  target_side.role = PairingRole::kTarget;
  target_side.partner = {monitor.Uuid(), monitor.Name()};
  target_side.on_grant_failure = options.on_grant_failure;
  target_side.move_order = options.move_order;

  std::string monitor_xml = EmitPairing(monitor_side);
  std::string target_xml = EmitPairing(target_side);
  for (const std::string* xml : {&monitor_xml, &target_xml}) {
    if (std::string problem = schema.Validate(*xml); !problem.empty()) {
      throw Error("internal: the pairing virdomm built does not match its schema: " + problem);
    }
  }

  LibvirtMetadataSide m_side(monitor);
  LibvirtMetadataSide u_side(target);
  WriteBothOrNeither(m_side, monitor_xml, u_side, target_xml);

  ctx.out << "Paired: Domain M " << Quote(monitor.Name()) << " (" << monitor.Uuid()
          << ") monitors DomU " << Quote(target.Name()) << " (" << target.Uuid() << ").\n"
          << "  written to " << ToString(monitor.WriteScope()) << " definition of "
          << Quote(monitor.Name()) << ", " << ToString(target.WriteScope()) << " definition of "
          << Quote(target.Name()) << "\n";
  for (const auto& c : conflicts) {
    ctx.out << "  overridden by --force: " << c << "\n";
  }
  // Say now what `virdomm check` will say, so a pair that cannot work is noticed at once.
  CheckReport report = CheckPairs(CollectDomainViews(conn, schema), monitor.Uuid());
  for (const Finding& f : report.problems) {
    ctx.err << "warning: " << f.message << "\n";
  }
  return kExitOk;
}

int RunUnpair(const CliContext& ctx, const std::string& domain_ref) {
  PairingSchema schema = PairingSchema::Load();
  Connection conn(ctx.uri);
  Domain self = conn.LookupDomain(domain_ref);
  DomainView view = ViewOf(self, schema);

  // The partners this domain names (live and saved may differ), and every domain naming it.
  std::vector<std::string> partner_uuids;
  for (const auto* facts : {&view.live, &view.config}) {
    if (facts->has_value() && (*facts)->pairing) {
      partner_uuids.push_back((*facts)->pairing->partner.uuid);
    }
  }
  std::vector<DomainView> all = CollectDomainViews(conn, schema);
  for (const DomainView& other : all) {
    for (const auto* facts : {&other.live, &other.config}) {
      if (facts->has_value() && (*facts)->pairing &&
          (*facts)->pairing->partner.uuid == self.Uuid()) {
        partner_uuids.push_back(other.effective.uuid);
      }
    }
  }

  int removed = 0;
  bool failed = false;
  auto remove = [&](Domain& d) {
    try {
      bool had = false;
      MetadataScope scope = d.WriteScope();
      if (scope != MetadataScope::kConfig) {
        had = had || d.GetPairingMetadata(MetadataScope::kLive).has_value();
      }
      if (scope != MetadataScope::kLive) {
        had = had || d.GetPairingMetadata(MetadataScope::kConfig).has_value();
      }
      if (!had) {
        return;
      }
      d.SetPairingMetadata(std::nullopt, scope);
      ctx.out << "Removed the pairing metadata of " << Quote(d.Name()) << " (" << ToString(scope)
              << ").\n";
      ++removed;
    } catch (const Error& e) {
      ctx.err << "virdomm unpair: " << e.what() << "\n";
      failed = true;
    }
  };

  remove(self);
  std::vector<std::string> done = {self.Uuid()};
  for (const std::string& uuid : partner_uuids) {
    if (std::find(done.begin(), done.end(), uuid) != done.end()) {
      continue;
    }
    done.push_back(uuid);
    std::optional<Domain> partner = conn.FindByUuid(uuid);
    if (!partner) {
      ctx.out << "Partner " << uuid << " is not defined on this connection; nothing to remove "
              << "there.\n";
      continue;
    }
    // Only a claim that names this domain is ours to drop; a partner paired elsewhere stays.
    DomainView pv = ViewOf(*partner, schema);
    bool names_self = false;
    for (const auto* facts : {&pv.live, &pv.config}) {
      names_self = names_self || (facts->has_value() && (*facts)->pairing &&
                                  (*facts)->pairing->partner.uuid == self.Uuid());
    }
    if (names_self) {
      remove(*partner);
    } else {
      ctx.out << Quote(partner->Name()) << " does not name " << Quote(self.Name())
              << "; left unchanged.\n";
    }
  }
  if (failed) {
    ctx.err << "Some metadata could not be removed; see above, then run `virdomm check`.\n";
    return kExitFailed;
  }
  if (removed == 0) {
    ctx.out << Quote(self.Name()) << " is not paired; nothing to do.\n";
  }
  return kExitOk;
}

}  // namespace virdomm
