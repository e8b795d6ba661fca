#include "alerts/alert_publisher.h"

#include "common/protocol/key_values.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace virdomm::monitor {

using protocol::ParseDecimal;

AlertPublisher::AlertPublisher(AlertSpool& spool, std::size_t window)
    : spool_(spool), window_(std::max<std::size_t>(window, 1)) {}

PublishRound AlertPublisher::RunOnce(HomeKeys& keys) {
  PublishRound round;
  if (std::optional<std::string> ack =
          keys.Read(protocol::OwnBindingKey(protocol::kAlertsAckedKey));
      ack && !ack->empty()) {
    std::string_view text(*ack);
    std::size_t space = text.find(' ');
    std::optional<std::uint64_t> seq =
        space == std::string_view::npos ? std::nullopt : ParseDecimal(text.substr(space + 1));
    if (!seq || text.substr(0, space) != spool_.Id()) {
      round.refused_ack = "'" + *ack + "' is not an acknowledgement of spool " + spool_.Id();
    } else if (*seq > spool_.Acknowledged()) {
      if (spool_.AcknowledgeThrough(*seq)) {
        round.acknowledged = *seq;
      } else {
        round.refused_ack = "seq " + std::to_string(*seq) + " is beyond the last alert (" +
                            std::to_string(spool_.LastSeq()) + ")";
      }
    }
  }
  std::uint64_t acked = spool_.Acknowledged();
  std::set<std::uint64_t> present;
  for (const std::string& name : keys.List(std::string(protocol::kAlertsDirectory))) {
    std::optional<std::uint64_t> seq = ParseDecimal(name);
    if (!seq || *seq <= acked) {
      keys.Remove(std::string(protocol::kAlertsDirectory) + "/" + name);  // delivered, or not ours
    } else {
      present.insert(*seq);
    }
  }
  std::vector<SpooledAlert> pending = spool_.Pending(window_);
  for (const SpooledAlert& alert : pending) {
    if (present.count(alert.seq) == 0) {
      keys.Write(std::string(protocol::kAlertsDirectory) + "/" + std::to_string(alert.seq),
                 alert.json);
      ++round.published;
    }
  }
  round.pending = pending.size();
  MirrorHealth(keys);
  return round;
}

void AlertPublisher::MirrorHealth(HomeKeys& keys) {
  for (const auto& entry : std::filesystem::directory_iterator(spool_.Directory())) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with("health-")) {
      continue;
    }
    std::ifstream in(entry.path());
    std::string value;
    std::getline(in, value);
    std::string monitor = name.substr(7);
    std::string path = std::string(protocol::kHealthDirectory) + "/" + monitor;
    // Written again when xenstore lost it (a move), not only when it changed.
    if (value.empty() || (health_written_[monitor] == value && keys.Read(path) == value)) {
      continue;
    }
    keys.Write(path, value);
    health_written_[monitor] = value;
  }
}

}  // namespace virdomm::monitor
