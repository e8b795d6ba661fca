// `virdomm show`, `list` and `check`: read every domain once, decide with ListPairs and
// CheckPairs, print as text or JSON.
#include <iomanip>

#include "alerts/alert_log.h"
#include "alerts/pair_live_state.h"
#include "cli/commands.h"
#include "common/json_writer.h"
#include "libvirt/connection.h"
#include "libvirt/domain_views.h"
#include "pairing/pair_report.h"

namespace virdomm {

namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string RunState(const PairEnd& end) {
  if (!end.defined) {
    return "not defined";
  }
  if (!end.running) {
    return "shut off";
  }
  return end.id ? "running, id " + std::to_string(*end.id) : "running";
}

void WriteEnd(JsonWriter& json, const PairEnd& end) {
  json.BeginObject()
      .Key("name")
      .String(end.name)
      .Key("uuid")
      .String(end.uuid)
      .Key("defined")
      .Bool(end.defined)
      .Key("running")
      .Bool(end.running)
      .Key("id")
      .OptionalInt(end.id)
      .EndObject();
}

void WriteRow(JsonWriter& json, const PairRow& row) {
  json.BeginObject().Key("monitor");
  WriteEnd(json, row.monitor);
  json.Key("target");
  WriteEnd(json, row.target);
  json.Key("state").String(ToString(row.state));
  json.Key("why").String(row.why);
  json.EndObject();
}

void WritePairing(JsonWriter& json, const Pairing& p) {
  json.BeginObject().Key("role").String(ToString(p.role));
  json.Key("partner")
      .BeginObject()
      .Key("uuid")
      .String(p.partner.uuid)
      .Key("name")
      .String(p.partner.name)
      .EndObject();
  json.Key("storage");
  if (p.storage) {
    json.BeginObject()
        .Key("source")
        .String(p.storage->source)
        .Key("format")
        .String(p.storage->format)
        .EndObject();
  } else {
    json.Null();
  }
  json.Key("memory");
  if (p.memory) {
    json.BeginObject().Key("regions").BeginArray();
    for (MemoryRegion r : p.memory->regions) {
      json.String(ToString(r));
    }
    json.EndArray().Key("interval_ms").Int(p.memory->interval_ms).EndObject();
  } else {
    json.Null();
  }
  json.Key("network");
  if (p.network) {
    json.BeginObject().Key("mirror_mac").String(p.network->mirror_mac).EndObject();
  } else {
    json.Null();
  }
  json.Key("on_grant_failure").String(ToString(p.on_grant_failure));
  json.Key("move_order")
      .OptionalString(p.move_order ? std::optional<std::string>(ToString(*p.move_order))
                                   : std::nullopt)
      .EndObject();
}

const PairRow* RowOf(const std::vector<PairRow>& rows, const std::string& uuid) {
  for (const PairRow& row : rows) {
    if (row.monitor.uuid == uuid || row.target.uuid == uuid) {
      return &row;
    }
  }
  return nullptr;
}

void PrintPairingText(std::ostream& out, const Pairing& p) {
  out << "  role:       " << ToString(p.role) << "\n"
      << "  " << std::left << std::setw(12)
      << (p.role == PairingRole::kMonitor ? "target:" : "monitor:") << p.partner.uuid
      << (p.partner.name.empty() ? "" : " (" + p.partner.name + ")") << "\n";
  if (p.storage) {
    out << "  storage:    " << p.storage->source << " (" << p.storage->format << ")\n";
  }
  if (p.memory) {
    out << "  memory:     ";
    for (std::size_t i = 0; i < p.memory->regions.size(); ++i) {
      out << (i ? " " : "") << ToString(p.memory->regions[i]);
    }
    out << " every " << p.memory->interval_ms << " ms\n";
  }
  if (p.network) {
    out << "  mirror NIC: " << p.network->mirror_mac << " (gets a copy of DomU's traffic)\n";
  }
  out << "  on grant failure: " << ToString(p.on_grant_failure) << "\n";
  out << "  move order: " << (p.move_order ? ToString(*p.move_order) : "any") << "\n";
}

}  // namespace

namespace {

// The live state of a pair whose Domain M runs on this Xen host: nullopt elsewhere (another
// hypervisor, the test driver, M not running); an unreadable xenstore is a problem in it.
std::optional<PairLiveState> LiveStateOf(const Connection& conn, const PairRow* row) {
  if (row == nullptr || row->state != PairingConsent::kMutual || !row->monitor.running ||
      !row->monitor.id || conn.Uri().rfind("xen", 0) != 0) {
    return std::nullopt;
  }
  try {
    return ReadPairLiveState(static_cast<std::uint32_t>(*row->monitor.id));
  } catch (const Error& e) {
    PairLiveState live;
    live.monitor_domid = static_cast<std::uint32_t>(*row->monitor.id);
    live.problems.push_back(e.what());
    return live;
  }
}

void WriteLiveState(JsonWriter& w, const PairLiveState& live,
                    const std::optional<DeliveredAlert>& alert) {
  w.BeginObject().Key("monitor_domid").Int(live.monitor_domid);
  w.Key("binding").OptionalString(live.state).Key("target_domid").OptionalString(live.target_domid);
  w.Key("generation").OptionalString(live.generation).Key("monitors").BeginArray();
  for (const MonitorHealth& h : live.health) {
    w.BeginObject().Key("monitor").String(h.monitor).Key("time").String(h.time);
    w.Key("result").String(h.result).Key("summary").String(h.summary).EndObject();
  }
  w.EndArray().Key("last_alert");
  if (alert) {
    w.BeginObject().Key("id").String(alert->Id()).Key("time").String(alert->time);
    w.Key("monitor").String(alert->source).Key("severity").String(alert->severity);
    w.Key("summary").String(alert->summary).EndObject();
  } else {
    w.Null();
  }
  w.Key("problems").BeginArray();
  for (const std::string& p : live.problems) {
    w.String(p);
  }
  w.EndArray().EndObject();
}

void PrintLiveState(std::ostream& out, const PairLiveState& live,
                    const std::optional<DeliveredAlert>& alert) {
  out << "  live (Domain M is domain " << live.monitor_domid << " here):\n"
      << "    binding:    " << live.state.value_or("(none published)");
  if (live.target_domid) {
    out << ", target domain " << *live.target_domid;
  }
  if (live.generation) {
    out << ", generation " << *live.generation;
  }
  out << "\n";
  if (live.health.empty()) {
    out << "    monitors:   none has reported (no alert publisher runs in Domain M?)\n";
  }
  for (const MonitorHealth& h : live.health) {
    out << "    " << std::left << std::setw(12) << (h.monitor + ":") << h.result << " at " << h.time
        << (h.summary.empty() ? "" : " (" + h.summary + ")") << "\n";
  }
  if (alert) {
    out << "    last alert: " << alert->time << " " << alert->severity << " " << alert->source
        << ": " << alert->summary << " [" << alert->Id() << "]\n";
  } else {
    out << "    last alert: none in " << kDefaultAlertLog << "\n";
  }
  for (const std::string& p : live.problems) {
    out << "    problem:    " << p << "\n";
  }
}

}  // namespace

int RunShow(const CliContext& ctx, const std::string& domain_ref, bool json) {
  PairingSchema schema = PairingSchema::Load();
  Connection conn(ctx.uri, Connection::Access::kReadOnly);
  Domain domain = conn.LookupDomain(domain_ref);
  std::vector<DomainView> all = CollectDomainViews(conn, schema);
  const DomainView* view = nullptr;
  for (const auto& v : all) {
    if (v.effective.uuid == domain.Uuid()) {
      view = &v;
    }
  }
  if (view == nullptr) {
    throw Error("domain '" + domain.Name() + "' disappeared while it was being read");
  }
  std::vector<PairRow> rows = ListPairs(all);
  const PairRow* row = RowOf(rows, view->effective.uuid);
  CheckReport report = CheckPairs(all, view->effective.uuid);
  const DomainFacts& f = view->effective;
  std::optional<PairLiveState> live = LiveStateOf(conn, row);
  std::optional<DeliveredAlert> last_alert;
  if (live) {
    last_alert = LastAlertAbout(kDefaultAlertLog, row->target.uuid);
  }
  bool drift = view->live && view->config &&
               (view->live->pairing != view->config->pairing ||
                view->live->pairing_error != view->config->pairing_error);

  if (json) {
    JsonWriter w;
    w.BeginObject()
        .Key("name")
        .String(f.name)
        .Key("uuid")
        .String(f.uuid)
        .Key("id")
        .OptionalInt(view->running ? f.id : std::nullopt)
        .Key("running")
        .Bool(view->running)
        .Key("persistent")
        .Bool(view->config.has_value())
        .Key("kind")
        .String(ToString(f.kind));
    w.Key("pairing");
    if (f.pairing) {
      WritePairing(w, *f.pairing);
    } else {
      w.Null();
    }
    w.Key("pairing_error")
        .OptionalString(f.pairing_error.empty() ? std::nullopt
                                                : std::optional<std::string>(f.pairing_error));
    w.Key("pair");
    if (row != nullptr) {
      WriteRow(w, *row);
    } else {
      w.Null();
    }
    w.Key("live_config_drift").Bool(drift);
    w.Key("live");
    if (live) {
      WriteLiveState(w, *live, last_alert);
    } else {
      w.Null();
    }
    w.Key("problems").BeginArray();
    for (const Finding& p : report.problems) {
      w.String(p.message);
    }
    w.EndArray().EndObject();
    ctx.out << w.Finish();
  } else {
    ctx.out << "Domain " << Quote(f.name) << " (" << f.uuid << "), " << ToString(f.kind) << ", "
            << (view->running ? "running" : "shut off")
            << (view->running && f.id ? ", id " + std::to_string(*f.id) : "") << "\n";
    if (f.pairing) {
      PrintPairingText(ctx.out, *f.pairing);
    } else if (!f.pairing_error.empty()) {
      ctx.out << "  pairing metadata is malformed: " << f.pairing_error << "\n";
    } else {
      ctx.out << "  no pairing metadata\n";
    }
    if (row != nullptr) {
      ctx.out << "  pair:       " << ToString(row->state) << " (monitor "
              << Quote(row->monitor.name) << ": " << RunState(row->monitor) << "; target "
              << Quote(row->target.name) << ": " << RunState(row->target) << ")\n";
      if (!row->why.empty()) {
        ctx.out << "  why:        " << row->why << "\n";
      }
    }
    if (drift) {
      ctx.out << "  live and saved definitions disagree (run `virdomm check " << f.name << "`)\n";
    }
    if (live) {
      PrintLiveState(ctx.out, *live, last_alert);
    }
  }
  if (row == nullptr) {
    return kExitOk;  // not paired: nothing is wrong with showing that
  }
  return row->state == PairingConsent::kMutual && report.Ok() ? kExitOk : kExitCheckFailed;
}

int RunList(const CliContext& ctx, bool json) {
  PairingSchema schema = PairingSchema::Load();
  Connection conn(ctx.uri, Connection::Access::kReadOnly);
  std::vector<PairRow> rows = ListPairs(CollectDomainViews(conn, schema));
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("uri").String(conn.Uri()).Key("pairs").BeginArray();
    for (const PairRow& row : rows) {
      WriteRow(w, row);
    }
    w.EndArray().EndObject();
    ctx.out << w.Finish();
    return kExitOk;
  }
  if (rows.empty()) {
    ctx.out << "No pairs on " << conn.Uri() << ".\n";
    return kExitOk;
  }
  auto cell = [](const PairEnd& end) {
    return (end.name.empty() ? end.uuid : end.name) + " [" + RunState(end) + "]";
  };
  std::size_t w1 = std::string("Domain M (monitor)").size();
  std::size_t w2 = std::string("DomU (target)").size();
  for (const PairRow& row : rows) {
    w1 = std::max(w1, cell(row.monitor).size());
    w2 = std::max(w2, cell(row.target).size());
  }
  ctx.out << std::left << std::setw(static_cast<int>(w1 + 2)) << "Domain M (monitor)"
          << std::setw(static_cast<int>(w2 + 2)) << "DomU (target)"
          << "State\n";
  for (const PairRow& row : rows) {
    ctx.out << std::left << std::setw(static_cast<int>(w1 + 2)) << cell(row.monitor)
            << std::setw(static_cast<int>(w2 + 2)) << cell(row.target) << ToString(row.state)
            << "\n";
    if (!row.why.empty()) {
      ctx.out << "    " << row.why << "\n";
    }
  }
  return kExitOk;
}

int RunCheck(const CliContext& ctx, const std::optional<std::string>& domain_ref) {
  PairingSchema schema = PairingSchema::Load();
  Connection conn(ctx.uri, Connection::Access::kReadOnly);
  std::optional<std::string> only;
  std::string scope = "on " + conn.Uri();
  if (domain_ref) {
    Domain d = conn.LookupDomain(*domain_ref);
    only = d.Uuid();
    scope = "for " + Quote(d.Name());
  }
  CheckReport report = CheckPairs(CollectDomainViews(conn, schema), only);
  for (const Finding& f : report.problems) {
    ctx.out << "FAIL " << f.message << "\n";
  }
  for (const Finding& f : report.notes) {
    ctx.out << "note " << f.message << "\n";
  }
  if (report.Ok()) {
    ctx.out << "OK: every pairing " << scope << " holds (schema, mutual consent, one monitor per "
            << "target, Xen guest types, live = saved).\n";
    return kExitOk;
  }
  ctx.out << report.problems.size() << " problem" << (report.problems.size() == 1 ? "" : "s") << " "
          << scope << ".\n";
  return kExitCheckFailed;
}

}  // namespace virdomm
