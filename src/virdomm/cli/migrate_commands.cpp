// `virdomm migrate`: both members of a pair to another host, one after the other, in the order
// that leaves DomU unwatched least, and never leaving the pair apart because of a signal.
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "libvirt/connection.h"
#include "libvirt/migration.h"
#include "pairing/pairing_xml.h"

namespace virdomm {

namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string OneDecimal(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << value;
  return out.str();
}

// The live pairing (what migrates and what the hook reads); a shut-off domain's saved one.
std::optional<Pairing> LivePairing(const Domain& domain) {
  std::optional<std::string> element =
      domain.GetPairingMetadata(domain.IsRunning() ? MetadataScope::kLive : MetadataScope::kConfig);
  if (!element) {
    return std::nullopt;
  }
  try {
    return ParsePairing(*element);
  } catch (const Error& e) {
    throw Error(Quote(domain.Name()) + " has malformed pairing metadata: " + e.what() +
                "; fix it (virdomm check) before moving the pair");
  }
}

struct Member {
  Domain domain;
  Pairing pairing;
  bool live = false;
  const char* role = "";  // "DomU" or "Domain M"
};

// The order and why: --order, else the pairing's policy (DomU's, then M's), else DomU first,
// which measured the shorter blind window (DomU runs unwatched only while M follows it).
std::pair<MoveOrder, std::string> ChooseOrder(const MigrateOptions& options, const Member& domu,
                                              const Member& domm) {
  if (options.order) {
    return {*options.order, "--order"};
  }
  for (const Member* m : {&domu, &domm}) {
    if (m->pairing.move_order) {
      return {*m->pairing.move_order, "the pairing's policy"};
    }
  }
  return {MoveOrder::kDomuFirst, "the shorter blind window measured"};
}

void PrintProgress(std::ostream& err, const std::string& name, const MoveProgress& p) {
  err << "virdomm migrate: " << name << ": " << p.elapsed.count() / 1000 << " s";
  if (p.data_total > 0) {
    err << ", " << (p.data_processed * 100 / p.data_total) << " % of " << (p.data_total >> 20U)
        << " MiB";
  }
  err << "\n" << std::flush;
}

}  // namespace

int RunMigrate(const CliContext& ctx, const MigrateOptions& options) {
  Connection conn(ctx.uri);
  Domain named = conn.LookupDomain(options.domain);
  std::optional<Pairing> own = LivePairing(named);
  if (!own) {
    throw Error(Quote(named.Name()) + " is not in a pair; `virsh migrate` moves it alone");
  }
  std::optional<Domain> partner = conn.FindByUuid(own->partner.uuid);
  if (!partner) {
    throw Error("the partner of " + Quote(named.Name()) + " (" + own->partner.uuid +
                ") is not defined on " + conn.Uri());
  }
  std::optional<Pairing> theirs = LivePairing(*partner);
  if (!theirs || theirs->partner.uuid != named.Uuid() || theirs->role == own->role) {
    throw Error("the pairing of " + Quote(named.Name()) + " and " + Quote(partner->Name()) +
                " is not mutual (virdomm check); not moving it");
  }
  const bool named_is_monitor = own->role == PairingRole::kMonitor;
  Member first_named{std::move(named), *own, false, ""};
  Member other{std::move(*partner), *theirs, false, ""};
  Member& domm = named_is_monitor ? first_named : other;
  Member& domu = named_is_monitor ? other : first_named;
  domm.live = options.live_monitor;
  domm.role = "Domain M";
  domu.live = true;
  domu.role = "DomU";
  for (const Member* m : {&domu, &domm}) {
    if (!m->domain.IsRunning()) {
      throw Error(std::string(m->role) + " " + Quote(m->domain.Name()) +
                  " does not run here; `virdomm migrate` moves a running pair (use `virsh " +
                  "migrate` for the member that runs)");
    }
  }
  auto [order, why] = ChooseOrder(options, domu, domm);
  Member& first = order == MoveOrder::kDomuFirst ? domu : domm;
  Member& second = order == MoveOrder::kDomuFirst ? domm : domu;
  auto describe = [](const Member& m) {
    return std::string(m.role) + " " + Quote(m.domain.Name()) +
           (m.live ? " (live)" : " (non-live)");
  };
  ctx.out << "Moving the pair to " << options.dest_uri << ": " << describe(first) << ", then "
          << describe(second) << " (" << ToString(order) << ": " << why << ")\n"
          << std::flush;

  MoveRequest request{options.dest_uri, options.migrate_uri, false, options.persistent,
                      options.undefine_source};
  HeldSignals signals;
  auto move = [&](Member& m, OnInterrupt on_interrupt) {
    request.live = m.live;
    return MoveDomain(m.domain, request, signals, on_interrupt,
                      [&](const MoveProgress& p) { PrintProgress(ctx.err, m.domain.Name(), p); });
  };

  MoveOutcome one;
  try {
    one = move(first, OnInterrupt::kAbortMove);
  } catch (const LibvirtError& e) {
    ctx.err << "virdomm migrate: " << e.what() << "\n"
            << "virdomm migrate: nothing moved: " << Quote(first.domain.Name()) << " and "
            << Quote(second.domain.Name()) << " stay on this host"
            << (first.domain.IsRunning() ? ", monitored as before" : "") << "\n";
    return kExitFailed;
  }
  ctx.out << describe(first) << " moved in " << OneDecimal(Seconds(one.ended - one.started))
          << " s\n"
          << std::flush;
  if (one.interrupted) {
    ctx.err << "virdomm migrate: interrupted"
            << (one.abort_error.empty() ? ""
                                        : " (libvirt could not abort: " + one.abort_error + ")")
            << "; moving " << Quote(second.domain.Name())
            << " too, so that the pair is not left apart\n";
  }

  // A move can fail for a passing reason (the destination still cleaning up the first one):
  // one retry before leaving the pair apart.
  MoveOutcome two;
  for (int attempt = 1;; ++attempt) {
    try {
      two = move(second, OnInterrupt::kFinishMove);
      break;
    } catch (const LibvirtError& e) {
      ctx.err << "virdomm migrate: " << e.what() << "\n";
      if (attempt == 2 || !second.domain.IsRunning()) {
        ctx.err << "virdomm migrate: the pair is apart: " << Quote(first.domain.Name())
                << " runs on " << options.dest_uri << ", " << Quote(second.domain.Name())
                << " here; DomU is unwatched until both run on one host. Move "
                << Quote(second.domain.Name()) << " with `virsh migrate`, or "
                << Quote(first.domain.Name()) << " back.\n";
        return kExitFailed;
      }
      ctx.err << "virdomm migrate: retrying in 10 s\n";
      std::this_thread::sleep_for(std::chrono::seconds(10));
    }
  }
  ctx.out << describe(second) << " moved in " << OneDecimal(Seconds(two.ended - two.started))
          << " s\n";
  // DomU is unwatched from the moment Domain M stops watching it until both run on the
  // destination: DomU first, from DomU's switch-over (the end of its move) on; Domain M
  // first, from M's suspension (the start of a non-live move, the end of a live one).
  auto unwatched_from =
      order == MoveOrder::kDomuFirst ? one.ended : (domm.live ? one.ended : one.started);
  ctx.out << "Pair moved in " << OneDecimal(Seconds(two.ended - one.started))
          << " s; DomU ran without Domain M beside it for at most "
          << OneDecimal(Seconds(two.ended - unwatched_from))
          << " s, and M's first check there follows within its check interval\n";
  if (one.interrupted || two.interrupted) {
    ctx.err << "virdomm migrate: interrupted; the pair was moved together first\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace virdomm
