#include "network/capture_drops.h"

namespace virdomm::monitor {

std::uint64_t CaptureDrops::Add(std::uint64_t kernel_drops_total) {
  std::uint64_t previous = last_total_.value_or(0);
  last_total_ = kernel_drops_total;
  return kernel_drops_total >= previous ? kernel_drops_total - previous : kernel_drops_total;
}

}  // namespace virdomm::monitor
