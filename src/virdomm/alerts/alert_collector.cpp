#include "alerts/alert_collector.h"

#include <algorithm>

#include "common/error.h"
#include "common/protocol/key_values.h"
#include "common/protocol/xenstore_keys.h"

namespace virdomm {
namespace {

using protocol::ParseDecimal;

std::string Home(std::uint32_t domid) { return protocol::DomainHome(domid); }

// libxl keeps a domain's UUID in its `vm` path, "/vm/<uuid>".
std::string UuidOf(Dom0Keys& keys, std::uint32_t domid) {
  std::string vm = keys.Read(Home(domid) + "/vm").value_or("");
  return vm.starts_with("/vm/") ? vm.substr(4) : "";
}

}  // namespace

AlertCollector::AlertCollector(std::string host, std::map<std::string, std::uint64_t> last_seqs,
                               std::function<void(const std::vector<DeliveredAlert>&)> deliver,
                               std::function<std::string()> now)
    : host_(std::move(host)),
      last_seqs_(std::move(last_seqs)),
      deliver_(std::move(deliver)),
      now_(std::move(now)) {}

PairMember AlertCollector::Member(Dom0Keys& keys, std::uint32_t domid, const std::string& uuid) {
  if (domid != 0) {
    return {keys.Read(Home(domid) + "/name").value_or(""), UuidOf(keys, domid), domid};
  }
  for (const std::string& name : keys.List("/local/domain")) {
    std::optional<protocol::DomId> found = protocol::ParseDomid(name);
    if (found && UuidOf(keys, *found) == uuid) {
      return {keys.Read(Home(*found) + "/name").value_or(""), uuid, *found};
    }
  }
  return {"", uuid, std::nullopt};  // DomU does not run on this host now
}

void AlertCollector::CollectFrom(Dom0Keys& keys, std::uint32_t domid, CollectRound& round) {
  std::string home = Home(domid);
  std::string uuid_key = protocol::BindingKeyPath(domid, protocol::kTargetUuidKey);
  std::string alerts_dir = home + "/" + std::string(protocol::kAlertsDirectory);
  std::string acked_key = protocol::BindingKeyPath(domid, protocol::kAlertsAckedKey);
  std::optional<std::string> target_uuid = keys.Read(uuid_key);
  if (!target_uuid || !keys.OwnedByDom0(uuid_key)) {
    return;  // not a Domain M the hook set up
  }
  std::vector<std::uint64_t> seqs;
  for (const std::string& name : keys.List(alerts_dir)) {
    if (std::optional<std::uint64_t> seq = ParseDecimal(name)) {
      seqs.push_back(*seq);
    }
  }
  if (seqs.empty()) {
    return;
  }
  std::sort(seqs.begin(), seqs.end());
  std::vector<DeliveredAlert> batch;
  std::string spool;
  std::optional<PairMember> monitor;
  std::optional<PairMember> target;
  for (std::uint64_t seq : seqs) {
    std::string key = alerts_dir + "/" + std::to_string(seq);
    std::string refusal_id = std::to_string(domid) + "/" + std::to_string(seq);
    std::optional<std::string> json = keys.Read(key);
    if (!json) {
      continue;  // acknowledged and removed meanwhile
    }
    DeliveredAlert alert;
    try {
      alert = ParseMonitorAlert(*json);
      if (alert.seq != seq) {
        throw Error("its seq is " + std::to_string(alert.seq));
      }
    } catch (const Error& error) {
      if (refused_.emplace(refusal_id, error.what()).second) {
        round.problems.push_back("domain " + std::to_string(domid) + ": alert " + key +
                                 " refused: " + error.what());
      }
      continue;
    }
    spool = alert.spool;
    if (alert.seq <= last_seqs_[alert.spool]) {
      continue;  // delivered before (M had not seen the acknowledgement yet)
    }
    if (!monitor) {
      monitor = Member(keys, domid, "");
      target = Member(keys, 0, *target_uuid);
    }
    alert.received = now_();
    alert.host = host_;
    alert.monitor = *monitor;
    alert.target = *target;
    batch.push_back(std::move(alert));
  }
  if (!batch.empty()) {
    deliver_(batch);  // durable before M may drop them
    for (const DeliveredAlert& alert : batch) {
      std::uint64_t& last = last_seqs_[alert.spool];
      last = std::max(last, alert.seq);
    }
    round.delivered.insert(round.delivered.end(), batch.begin(), batch.end());
  }
  if (!spool.empty()) {
    std::string ack = spool + " " + std::to_string(last_seqs_[spool]);
    if (keys.Read(acked_key) != ack) {
      keys.WriteReadableBy(acked_key, ack, domid);
    }
  }
}

CollectRound AlertCollector::RunOnce(Dom0Keys& keys) {
  CollectRound round;
  for (const std::string& name : keys.List("/local/domain")) {
    std::optional<protocol::DomId> domid = protocol::ParseDomid(name);
    if (!domid) {
      continue;  // dom0, or not a domain
    }
    try {
      CollectFrom(keys, *domid, round);
    } catch (const Error& error) {
      // One domain's trouble (it went away mid-round) does not hold up the others.
      round.problems.push_back("domain " + name + ": " + error.what());
    }
  }
  return round;
}

}  // namespace virdomm
