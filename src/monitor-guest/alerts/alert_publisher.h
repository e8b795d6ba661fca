// Carries the spool to dom0 through Domain M's own xenstore home, which DomU can neither read
// nor write: each pending alert becomes `data/virdomm-alerts/<seq>`, each monitor's health
// `data/virdomm-health/<monitor>`; dom0's collector answers in `virdomm/alerts-acked`
// ("<spool-id> <seq>", a key only dom0 may write), and what it acknowledged leaves both the
// spool and xenstore. After a move or restore the keys are gone from the new host's xenstore;
// the next round publishes every alert still pending again, in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert_spool.h"
#include "common/protocol/xenstore_keys.h"

namespace virdomm::monitor {

// The few xenstore operations the publisher needs, on paths relative to this domain's home.
class HomeKeys {
 public:
  virtual ~HomeKeys() = default;
  virtual std::optional<std::string> Read(const std::string& path) = 0;
  virtual void Write(const std::string& path, const std::string& value) = 0;
  virtual std::vector<std::string> List(const std::string& path) = 0;  // empty when absent
  virtual void Remove(const std::string& path) = 0;
};

struct PublishRound {
  std::uint64_t acknowledged = 0;          // dom0's acknowledgement taken this round (0: none new)
  std::size_t published = 0;               // alerts written to xenstore this round
  std::size_t pending = 0;                 // alerts waiting for dom0 after the round
  std::optional<std::string> refused_ack;  // an acknowledgement that was not taken, and why
};

class AlertPublisher {
 public:
  // At most `window` alerts are in xenstore at once, to stay inside the domain's quota.
  explicit AlertPublisher(AlertSpool& spool, std::size_t window = 32);

  PublishRound RunOnce(HomeKeys& keys);

 private:
  void MirrorHealth(HomeKeys& keys);

  AlertSpool& spool_;
  std::size_t window_;
  std::map<std::string, std::string> health_written_;  // monitor -> value last written
};

}  // namespace virdomm::monitor
