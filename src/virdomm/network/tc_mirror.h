// Kernel traffic control through libnl-route-3 (no `tc` process): copies every packet that
// enters or leaves one device to another device's egress, with one filter per clsact hook at a
// priority and handle of virdomm's own, so that installing is idempotent and teardown removes
// exactly these filters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "network/netlink_handles.h"

namespace virdomm {

// The filters' priorities on the clsact hooks. Low numbers run first: the copy is taken before
// other filters on the vif can drop or redirect a packet, and its action continues the
// classification, so those filters still see every packet. Two numbers, because u32 shares
// its hash tables between a qdisc's hooks and lists, in each hook, the entries of every hook
// at the same priority.
inline constexpr std::uint16_t kMirrorIngressPriority = 0x0d0d;
inline constexpr std::uint16_t kMirrorEgressPriority = 0x0d0e;
// The handle of the matchall filter; the u32 fallback uses this node id in its root table.
inline constexpr std::uint32_t kMirrorFilterHandle = 0xd0d;

enum class TcHook { kIngress, kEgress };
std::string_view ToString(TcHook hook);
std::uint16_t MirrorPriorityOf(TcHook hook);

// One of our filters as the kernel reports it.
struct MirrorFilter {
  TcHook hook = TcHook::kIngress;
  std::string kind;                  // "matchall" or "u32"
  std::uint32_t handle = 0;          // as the kernel reports it (u32: table and node)
  std::uint32_t target_ifindex = 0;  // 0: the target device is gone
  bool operator==(const MirrorFilter&) const = default;
};

class TcMirror {
 public:
  // Opens a NETLINK_ROUTE socket in the caller's network namespace; every wait for the kernel
  // is bounded by `receive_timeout_ms`. Throws Error.
  explicit TcMirror(int receive_timeout_ms = 1000);

  // Adds a clsact qdisc to `device` unless it has one, and on both its hooks our filter with
  // the action "mirred egress mirror dev <mirror_device>". Replaces our filters when present.
  // Throws Error naming the device and the step.
  void Install(const std::string& device, const std::string& mirror_device);

  // Removes our filters from `device` and nothing else (the clsact qdisc stays: other users'
  // filters may hang on it). Returns how many were removed; a device that does not exist
  // (any more) has none.
  int Remove(const std::string& device);

  // Removes those of our filters on `device` whose mirror target no longer exists; returns
  // how many.
  int RemoveOrphans(const std::string& device);

  // Our filters on `device`; none when the device or its clsact qdisc does not exist.
  std::vector<MirrorFilter> Find(const std::string& device);

 private:
  // The device's ifindex, 0 when there is no such device. Throws on other failures.
  int IfIndexOf(const std::string& device);
  bool DeviceExists(int ifindex);
  void EnsureClsact(int ifindex, const std::string& device);
  void AddFilter(int ifindex, TcHook hook, int target_ifindex, const std::string& device);
  // Every entry at our priority on one hook, as the kernel dumps them.
  std::vector<RtnlCls> Dump(int ifindex, TcHook hook, const std::string& device);
  int RemoveWhere(const std::string& device, bool only_orphans);
  void DropEmptyPriority(int ifindex, TcHook hook, const std::string& where);

  NlSocket socket_;
  bool matchall_missing_ = false;  // this kernel has no matchall: u32 from the first try on
};

}  // namespace virdomm
