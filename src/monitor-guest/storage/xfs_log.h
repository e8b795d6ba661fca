// Whether an XFS log was cleanly unmounted. The log is not replayed: a log whose last record is
// not an unmount record holds changes the filesystem's home blocks may not show yet.
#pragma once

#include <string>

#include "storage/xfs_volume.h"

namespace virdomm::monitor {

enum class XfsLogState { kClean, kDirty, kUnknown };

struct XfsLogCheck {
  XfsLogState state = XfsLogState::kUnknown;
  std::string reason;  // for kUnknown: why the state could not be told
};

// Finds the log head by the cycle numbers stamped into every 512-byte log block (binary search,
// as the kernel does), then looks at the last record before it. Never throws for a damaged log:
// that is kUnknown with a reason.
XfsLogCheck CheckXfsLog(const XfsVolume& volume);

}  // namespace virdomm::monitor
