#include "alerts/monitor_alerts.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/durable_file.h"
#include "common/error.h"
#include "common/json_writer.h"
#include "common/utc_time.h"
#include "core/digest.h"

namespace virdomm::monitor {
namespace {

int Rank(const std::string& severity) {
  return severity == "critical" ? 2 : severity == "warning" ? 1 : 0;
}

}  // namespace

MonitorAlerts::MonitorAlerts(AlertSpool& spool, std::string monitor)
    : spool_(spool), monitor_(std::move(monitor)) {}

std::optional<std::uint64_t> MonitorAlerts::RaiseIfNew(const std::string& fingerprint,
                                                       const Alert& alert) {
  std::filesystem::path gate = spool_.Directory() / ("gate-" + monitor_);
  AlertSpool::Lock lock(spool_.Directory());
  std::string last;
  if (std::ifstream in(gate); in) {
    std::getline(in, last);
  }
  if (last == fingerprint) {
    return std::nullopt;
  }
  // The gate moves first: a crash between the two steps loses a repeat, never repeats an alert.
  WriteFileDurably(gate, fingerprint + "\n", 0600);
  if (fingerprint.empty() && last.empty()) {
    return std::nullopt;
  }
  return spool_.Append(alert, lock);
}

std::optional<std::uint64_t> MonitorAlerts::Observe(const std::vector<Finding>& findings,
                                                    const std::string& subject) {
  std::vector<Finding> sorted = findings;
  std::sort(sorted.begin(), sorted.end(), [](const Finding& a, const Finding& b) {
    return Rank(a.severity) != Rank(b.severity) ? Rank(a.severity) > Rank(b.severity)
                                                : a.key < b.key;
  });
  std::vector<std::string> keys;
  keys.reserve(sorted.size());
  for (const Finding& finding : sorted) {
    keys.push_back(finding.key);
  }
  std::sort(keys.begin(), keys.end());
  std::string joined;
  for (const std::string& key : keys) {
    joined += key + "\n";
  }
  std::string fingerprint = sorted.empty() ? "" : Sha256Hex(joined);
  Alert alert{UtcNow(), monitor_, "info", "", {}};
  if (sorted.empty()) {
    alert.summary = monitor_ + " checks of " + subject + " are clean again";
  } else {
    alert.severity = sorted.front().severity;
    alert.summary = std::to_string(sorted.size()) + " finding(s) in " + subject + ": " +
                    sorted.front().line + (sorted.size() > 1 ? "; ..." : "");
    alert.findings.reserve(sorted.size());
    for (const Finding& finding : sorted) {
      alert.findings.push_back(finding.line);
    }
  }
  std::string result = sorted.empty() ? "clean" : alert.severity;
  WriteHealth(result, sorted.empty() ? "clean" : alert.summary);
  return RaiseIfNew(fingerprint, alert);
}

std::optional<std::uint64_t> MonitorAlerts::ObserveFailure(const std::string& error,
                                                           const std::string& subject) {
  WriteHealth("error", error);
  Alert alert{
      UtcNow(), monitor_, "warning", monitor_ + " check of " + subject + " failed: " + error, {}};
  return RaiseIfNew("error", alert);
}

void MonitorAlerts::WriteHealth(const std::string& result, const std::string& summary) const {
  JsonWriter json;
  json.BeginObject()
      .Key("monitor")
      .String(monitor_)
      .Key("time")
      .String(UtcNow())
      .Key("result")
      .String(result)
      .Key("summary")
      .String(summary.substr(0, 300))
      .EndObject();
  WriteFileDurably(spool_.Directory() / ("health-" + monitor_), json.Finish() + "\n", 0600);
}

}  // namespace virdomm::monitor
