#include "memory/jump_label_settling.h"

#include <vector>

namespace virdomm::monitor {

void JumpLabelSettling::Apply(CheckReport& report, Clock::time_point now) {
  if (period_.count() == 0) {
    return;
  }
  // A flip that this check no longer sees has ended its run: it starts afresh if it comes back.
  std::map<std::pair<std::string, uint64_t>, Clock::time_point> still_seen;
  std::vector<Change> reported;
  for (Change& change : report.changes) {
    if (change.kind != ChangeKind::kJumpLabel) {
      reported.push_back(std::move(change));
      continue;
    }
    auto key = std::make_pair(change.region, change.address);
    auto found = first_seen_.find(key);
    Clock::time_point first = found == first_seen_.end() ? now : found->second;
    still_seen.emplace(key, first);
    if (now - first >= period_ && change.static_key != kFreezerKey) {
      reported.push_back(std::move(change));
    } else {
      report.settling.push_back(std::move(change));
    }
  }
  report.changes = std::move(reported);
  first_seen_ = std::move(still_seen);
}

}  // namespace virdomm::monitor
