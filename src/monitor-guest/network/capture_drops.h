// Packets Suricata's capture lost, from the running totals of its stats records
// (capture.kernel_drops): how many are new since the last record. A restarted Suricata counts
// from zero again (Restart()); a total lower than the last one is taken as such a restart too.
#pragma once

#include <cstdint>
#include <optional>

namespace virdomm::monitor {

class CaptureDrops {
 public:
  // The drops new since the previous record (all of them for the first record of a run).
  std::uint64_t Add(std::uint64_t kernel_drops_total);
  void Restart() { last_total_.reset(); }

 private:
  std::optional<std::uint64_t> last_total_;
};

}  // namespace virdomm::monitor
