// Guest memory of a Xen domain through libxenforeignmemory (the stable library; Domain M never
// links libxenctrl): read-only batched foreign mappings, per-frame errors for holes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/protocol/binding_state.h"
#include "memory/guest_memory.h"

struct xenforeignmemory_handle;

namespace virdomm::monitor {

class XenForeignMemory final : public GuestMemory {
 public:
  // Opens /dev/xen/privcmd through libxenforeignmemory and restricts the handle to `domid`
  // (privcmd's IOCTL_PRIVCMD_RESTRICT; kernels without it are accepted with a warning).
  // Outside dom0 it throws unless xen-privcmd drops its foreign mappings at suspend
  // (parameter drop_on_suspend = Y, linux-patches/): a stock one lets a save corrupt M.
  // `memory_bytes` bounds the frames probed; without it the domain's
  // /local/domain/<domid>/memory/static-max is read from xenstore.
  XenForeignMemory(uint32_t domid, std::optional<uint64_t> memory_bytes);

  [[nodiscard]] std::string Describe() const override;
  [[nodiscard]] uint64_t FrameLimit() const override { return frame_limit_; }
  [[nodiscard]] FrameView MapFrames(std::span<const uint64_t> gfns) override;
  [[nodiscard]] bool Restricted() const { return restricted_; }
  // After a move the host's hook binds this Domain M to the DomU's new instance, under a new
  // domid: maps and reports name that one from then on (xen-privcmd re-makes the mappings for
  // the bound target by itself, and a handle it restricted follows the target).
  void Retarget(uint32_t domid) { domid_ = domid; }

 private:
  uint32_t domid_;
  std::shared_ptr<xenforeignmemory_handle> handle_;
  uint64_t frame_limit_ = 0;
  bool restricted_ = false;
};

// Run inside Domain M: waits until the host's hook has bound this domain to its DomU (this
// domain's own xenstore binding keys say bound, with a target-domid, libvirt-hooks/
// PROTOCOL.md) and returns that DomU's domid. Throws Error with the last state seen (e.g. the
// hook's "error: ..." message) when `wait` runs out.
uint32_t WaitForBoundTarget(std::chrono::milliseconds wait);

// Run inside Domain M: its binding as the host's hook published it right now.
struct BindingView {
  // virdomm/state parsed; nullopt when the key is absent or holds none of the protocol's
  // forms, and when the hook published "bound" without a usable target-domid. While it is not
  // kBound the DomU is stopped, moving or not yet here, and nothing of it may be read as a
  // running DomU. kBound always comes with `target_domid`; all keys are read in one xenstore
  // transaction.
  std::optional<protocol::BindingState> state;
  // What is printed and logged: the `state` value as published ("bound", "error: ..."),
  // "(none)" when absent, "bound, but virdomm/target-domid is '...'" for a bound state
  // without a usable target. Two views with the same description are the same state.
  std::string description;
  // What tells one binding from the next: this domain's own domid (a move or a restore makes a
  // new domain), the target's domid and the hook's generation counter. A move can begin and
  // end while one check is blocked on the carried mappings, so that "bound" is all the monitor
  // sees before and after; this changes anyway.
  std::string instance;
  // virdomm/target-domid when it holds a domid (it is empty while unbound).
  std::optional<uint32_t> target_domid;

  [[nodiscard]] bool Is(protocol::BindingState wanted) const { return state == wanted; }
};
BindingView ReadBinding();

// RAM bytes → one past the last frame that can hold RAM in an HVM/PVH guest: RAM beyond the
// MMIO hole below 4 GiB is placed above 4 GiB, so the bound allows for the hole.
uint64_t HvmFrameLimit(uint64_t memory_bytes);

}  // namespace virdomm::monitor
