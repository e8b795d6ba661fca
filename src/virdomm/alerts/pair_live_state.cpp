#include "alerts/pair_live_state.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "alerts/alert_log.h"
#include "common/error.h"
#include "common/protocol/xenstore_keys.h"
#include "common/xenstore/xenstore_calls.h"

namespace virdomm {
namespace {

using nlohmann::json;

// A health record is written by Domain M, so it is read as untrusted: a string field or "".
std::string Field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

PairLiveState ReadPairLiveState(std::uint32_t monitor_domid) {
  XenstoreHandle xs = OpenXenstore("the pair's live state");
  PairLiveState live;
  live.monitor_domid = monitor_domid;
  live.state =
      ReadXenstoreKey(xs.get(), protocol::BindingKeyPath(monitor_domid, protocol::kStateKey));
  live.target_domid =
      ReadXenstoreKey(xs.get(), protocol::BindingKeyPath(monitor_domid, protocol::kTargetDomidKey));
  live.generation =
      ReadXenstoreKey(xs.get(), protocol::BindingKeyPath(monitor_domid, protocol::kGenerationKey));
  std::string health_dir = protocol::DomainHome(monitor_domid);
  health_dir.append("/").append(protocol::kHealthDirectory);
  std::vector<std::string> monitors = ListXenstoreDirectory(xs.get(), health_dir);
  std::sort(monitors.begin(), monitors.end());
  for (const std::string& name : monitors) {
    std::string path = health_dir;
    path.append("/").append(name);
    std::optional<std::string> text = ReadXenstoreKey(xs.get(), path);
    if (!text) {
      continue;
    }
    json object = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object()) {
      live.problems.push_back("the health record of monitor '" + name + "' is not JSON");
      continue;
    }
    MonitorHealth health{name, Field(object, "time"), Field(object, "result"),
                         Field(object, "summary")};
    live.health.push_back(std::move(health));
  }
  return live;
}

std::optional<DeliveredAlert> LastAlertAbout(const std::filesystem::path& log,
                                             const std::string& domu_uuid) {
  std::error_code ec;
  if (!std::filesystem::exists(log, ec)) {
    return std::nullopt;
  }
  std::optional<DeliveredAlert> last;
  ReadAlertLog(log, /*follow=*/false, [&](const std::string& line) {
    try {
      DeliveredAlert alert = ParseAlertLine(line);
      if (alert.target.uuid == domu_uuid) {
        last = std::move(alert);
      }
    } catch (const Error&) {
      // `virdomm alerts` reports lines that are not alerts; show only skips them.
    }
    return true;
  });
  return last;
}

}  // namespace virdomm
