// One domain's move to another host through libvirt's peer-to-peer migration, watched while
// it runs: progress from libvirt's job info, and SIGINT/SIGTERM turned into a request to abort.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "libvirt/connection.h"

namespace virdomm {

struct MoveRequest {
  std::string dest_uri;                    // the destination libvirtd, as the source reaches it
  std::optional<std::string> migrate_uri;  // where the data goes (virsh --migrateuri)
  bool live = false;
  bool persistent = false;       // VIR_MIGRATE_PERSIST_DEST
  bool undefine_source = false;  // VIR_MIGRATE_UNDEFINE_SOURCE
};

struct MoveProgress {
  std::chrono::milliseconds elapsed{0};
  std::uint64_t data_total = 0;  // bytes; 0 when the driver does not say (libxl)
  std::uint64_t data_processed = 0;
};

// What happens on SIGINT/SIGTERM during a move: abort it (the domain stays on the source), or
// let it finish and report the interrupt afterwards.
enum class OnInterrupt { kAbortMove, kFinishMove };

struct MoveOutcome {
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point ended;
  bool interrupted = false;  // a signal came during the move
  std::string abort_error;   // why an abort that was asked for could not be made
};

// Blocks SIGINT and SIGTERM for as long as it lives, in this thread and the threads it starts,
// so that a move's watcher takes them with sigtimedwait instead of the process dying with a
// move half done. Signals still pending when it ends are taken, not delivered: the caller
// reports them.
class HeldSignals {
 public:
  HeldSignals();
  ~HeldSignals();
  HeldSignals(const HeldSignals&) = delete;
  HeldSignals& operator=(const HeldSignals&) = delete;
  // Waits up to `timeout` for one of the held signals; true when one came.
  bool Wait(std::chrono::milliseconds timeout) const;
  [[nodiscard]] bool Any() const { return seen_; }
  void Note() { seen_ = true; }

 private:
  sigset_t held_{};
  sigset_t old_mask_{};
  bool seen_ = false;
};

// Moves `domain` as `request` says; `progress` is called about every 5 s while it runs.
// Throws LibvirtError when libvirt refuses or fails the move (then libvirt leaves the domain
// running on the source).
MoveOutcome MoveDomain(const Domain& domain, const MoveRequest& request, HeldSignals& signals,
                       OnInterrupt on_interrupt,
                       const std::function<void(const MoveProgress&)>& progress);

}  // namespace virdomm
