// dom0's side of the alert channel: every round, reads each Domain M's published alerts
// (`/local/domain/<M>/data/virdomm-alerts/<seq>`, see the monitor's alert_publisher.h), delivers
// the new ones in order to the alert log and the journal, then tells M how far it got
// (`/local/domain/<M>/virdomm/alerts-acked` = "<spool> <seq>", owned by dom0, readable by M).
//
// Only a domain the hook made a Domain M (its `virdomm/target-uuid` exists and dom0 owns it)
// is read: DomU can write its own `data/`, but not that key, so it cannot forge alerts.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alerts/delivered_alert.h"

namespace virdomm {

// The xenstore operations the collector needs, on absolute paths.
class Dom0Keys {
 public:
  virtual ~Dom0Keys() = default;
  virtual std::vector<std::string> List(const std::string& path) = 0;  // empty when absent
  virtual std::optional<std::string> Read(const std::string& path) = 0;
  virtual bool OwnedByDom0(const std::string& path) = 0;
  // Writes `value`, owned by dom0, readable by `reader` only.
  virtual void WriteReadableBy(const std::string& path, const std::string& value,
                               std::uint32_t reader) = 0;
};

struct CollectRound {
  std::vector<DeliveredAlert> delivered;  // in the order delivered
  std::vector<std::string> problems;      // refused alerts and their reasons
};

class AlertCollector {
 public:
  // `deliver` stores a batch durably (the alert log) before M is told; it throws to refuse.
  // `last_seqs` is where each spool stands already (the alert log's tail after a restart).
  AlertCollector(std::string host, std::map<std::string, std::uint64_t> last_seqs,
                 std::function<void(const std::vector<DeliveredAlert>&)> deliver,
                 std::function<std::string()> now);

  CollectRound RunOnce(Dom0Keys& keys);

 private:
  PairMember Member(Dom0Keys& keys, std::uint32_t domid, const std::string& uuid);
  void CollectFrom(Dom0Keys& keys, std::uint32_t domid, CollectRound& round);

  std::string host_;
  std::map<std::string, std::uint64_t> last_seqs_;  // spool -> highest seq delivered
  std::function<void(const std::vector<DeliveredAlert>&)> deliver_;
  std::function<std::string()> now_;
  std::map<std::string, std::string> refused_;  // "<domid>/<seq>" -> reason, said once
};

}  // namespace virdomm
