// The clsact qdisc and mirred filters of TcMirror, through libnl-route-3.
#include "network/tc_mirror.h"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/cls/matchall.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/tc.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "common/error.h"

namespace virdomm {

namespace {

std::string NlMessage(const std::string& what, int err) {
  return what + ": " + nl_geterror(err < 0 ? -err : err);
}

[[noreturn]] void ThrowNl(const std::string& what, int err) { throw Error(NlMessage(what, err)); }

std::uint32_t ParentOf(TcHook hook) {
  return TC_H_MAKE(TC_H_CLSACT, hook == TcHook::kIngress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
}

// The u32 node id is the low 12 bits of its handle; the kernel picks the table part.
constexpr std::uint32_t kU32NodeMask = 0xfff;

std::string_view KindOf(rtnl_cls* cls) {
  const char* kind = rtnl_tc_get_kind(TC_CAST(cls));
  return kind != nullptr ? kind : "";
}

// Ours: our priority, and our handle (u32: our node id). u32 also lists its hash tables as
// entries with node id 0; they hold no match and no action.
bool IsOurs(rtnl_cls* cls) {
  const std::string_view kind = KindOf(cls);
  const std::uint32_t handle = rtnl_tc_get_handle(TC_CAST(cls));
  return (kind == "matchall" && handle == kMirrorFilterHandle) ||
         (kind == "u32" && (handle & kU32NodeMask) == kMirrorFilterHandle);
}

bool IsU32Table(rtnl_cls* cls) {
  return KindOf(cls) == "u32" && (rtnl_tc_get_handle(TC_CAST(cls)) & kU32NodeMask) == 0;
}

// The ifindex our filter mirrors to, 0 when the kernel reports none (the target is gone).
std::uint32_t MirrorTargetOf(rtnl_cls* cls) {
  const std::string_view kind = KindOf(cls);
  RtnlAct owned;
  rtnl_act* act = nullptr;
  if (kind == "matchall") {
    owned.reset(rtnl_mall_get_first_action(cls));  // libnl hands out a reference here
    act = owned.get();
  } else {
    act = rtnl_u32_get_action(cls);  // and lends it here
  }
  for (; act != nullptr; act = rtnl_act_next(act)) {
    const char* act_kind = rtnl_tc_get_kind(TC_CAST(act));
    if (act_kind != nullptr && std::string_view(act_kind) == "mirred") {
      return rtnl_mirred_get_ifindex(act);
    }
  }
  return 0;
}

bool IsNoDevice(int err) { return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV; }

}  // namespace

std::string_view ToString(TcHook hook) { return hook == TcHook::kIngress ? "ingress" : "egress"; }

std::uint16_t MirrorPriorityOf(TcHook hook) {
  return hook == TcHook::kIngress ? kMirrorIngressPriority : kMirrorEgressPriority;
}

TcMirror::TcMirror(int receive_timeout_ms) : socket_(nl_socket_alloc()) {
  if (!socket_) {
    throw Error("netlink: cannot allocate a socket");
  }
  if (int err = nl_connect(socket_.get(), NETLINK_ROUTE); err < 0) {
    ThrowNl("netlink: connecting a NETLINK_ROUTE socket", err);
  }
  // libnl waits for every answer in recvmsg(); without a timeout a kernel that never answers
  // would hold the hook (and the domain's libvirt job) until the hook's watchdog fires.
  timeval timeout{receive_timeout_ms / 1000,
                  static_cast<suseconds_t>(receive_timeout_ms % 1000) * 1000};
  if (::setsockopt(nl_socket_get_fd(socket_.get()), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                   sizeof(timeout)) != 0) {
    ThrowErrno("netlink: setting the receive timeout");
  }
}

int TcMirror::IfIndexOf(const std::string& device) {
  rtnl_link* raw = nullptr;
  int err = rtnl_link_get_kernel(socket_.get(), 0, device.c_str(), &raw);
  RtnlLink link(raw);
  if (IsNoDevice(err)) {
    return 0;
  }
  if (err < 0) {
    ThrowNl("netlink: looking up device " + device, err);
  }
  return rtnl_link_get_ifindex(link.get());
}

bool TcMirror::DeviceExists(int ifindex) {
  rtnl_link* raw = nullptr;
  int err = rtnl_link_get_kernel(socket_.get(), ifindex, nullptr, &raw);
  RtnlLink link(raw);
  if (IsNoDevice(err)) {
    return false;
  }
  if (err < 0) {
    ThrowNl("netlink: looking up ifindex " + std::to_string(ifindex), err);
  }
  return true;
}

void TcMirror::EnsureClsact(int ifindex, const std::string& device) {
  nl_cache* raw_cache = nullptr;
  if (int err = rtnl_qdisc_alloc_cache(socket_.get(), &raw_cache); err < 0) {
    ThrowNl("netlink: listing qdiscs", err);
  }
  NlCache cache(raw_cache);
  RtnlQdisc present(rtnl_qdisc_get_by_parent(cache.get(), ifindex, TC_H_CLSACT));
  if (present) {
    const char* kind = rtnl_tc_get_kind(TC_CAST(present.get()));
    if (kind != nullptr && std::string_view(kind) == "clsact") {
      return;  // another user's clsact is ours to share
    }
    // An `ingress` qdisc sits where clsact would; replacing it would drop its filters.
    throw Error("netlink: " + device + " has a '" + (kind != nullptr ? kind : "?") +
                "' qdisc where the mirror needs clsact; not replacing it");
  }
  RtnlQdisc qdisc(rtnl_qdisc_alloc());
  if (!qdisc) {
    throw Error("netlink: cannot allocate a qdisc");
  }
  rtnl_tc_set_ifindex(TC_CAST(qdisc.get()), ifindex);
  rtnl_tc_set_parent(TC_CAST(qdisc.get()), TC_H_CLSACT);
  rtnl_tc_set_handle(TC_CAST(qdisc.get()), TC_H_MAKE(TC_H_CLSACT, 0));
  if (int err = rtnl_tc_set_kind(TC_CAST(qdisc.get()), "clsact"); err < 0) {
    ThrowNl("netlink: clsact qdisc", err);
  }
  int err = rtnl_qdisc_add(socket_.get(), qdisc.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0 && err != -NLE_EXIST) {  // EEXIST: added meanwhile by someone else
    ThrowNl("netlink: adding a clsact qdisc to " + device, err);
  }
}

void TcMirror::AddFilter(int ifindex, TcHook hook, int target_ifindex, const std::string& device) {
  // matchall says what is meant; kernels built without it get u32 with one key that matches
  // every packet (offset 0, mask 0).
  for (const char* kind : {"matchall", "u32"}) {
    if (matchall_missing_ && std::string_view(kind) == "matchall") {
      continue;
    }
    RtnlCls cls(rtnl_cls_alloc());
    RtnlAct act(rtnl_act_alloc());
    if (!cls || !act) {
      throw Error("netlink: cannot allocate a filter");
    }
    rtnl_tc_set_ifindex(TC_CAST(cls.get()), ifindex);
    rtnl_tc_set_parent(TC_CAST(cls.get()), ParentOf(hook));
    rtnl_cls_set_prio(cls.get(), MirrorPriorityOf(hook));
    rtnl_cls_set_protocol(cls.get(), ETH_P_ALL);
    int err = rtnl_tc_set_kind(TC_CAST(cls.get()), kind);
    if (err >= 0) {
      err = rtnl_tc_set_kind(TC_CAST(act.get()), "mirred");
    }
    if (err >= 0) {
      err = rtnl_mirred_set_action(act.get(), TCA_EGRESS_MIRROR);
    }
    if (err >= 0) {
      err = rtnl_mirred_set_ifindex(act.get(), target_ifindex);
    }
    if (err >= 0) {
      // "continue": the packet goes on to the vif's other filters as if we were not there.
      err = rtnl_mirred_set_policy(act.get(), TC_ACT_UNSPEC);
    }
    const bool matchall = std::string_view(kind) == "matchall";
    if (err >= 0 && matchall) {
      rtnl_tc_set_handle(TC_CAST(cls.get()), kMirrorFilterHandle);
      err = rtnl_mall_append_action(cls.get(), act.get());  // takes its own reference
    } else if (err >= 0) {
      rtnl_tc_set_handle(TC_CAST(cls.get()), kMirrorFilterHandle);  // node id in the root table
      err = rtnl_u32_add_key_uint32(cls.get(), 0, 0, 0, 0);
      if (err >= 0) {
        err = rtnl_u32_set_cls_terminal(cls.get());
      }
      if (err >= 0) {
        err = rtnl_u32_add_action(cls.get(), act.get());  // takes its own reference
      }
    }
    if (err < 0) {
      ThrowNl(std::string("netlink: building the ") + kind + " mirror filter", err);
    }
    err = rtnl_cls_add(socket_.get(), cls.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (err >= 0) {
      return;
    }
    // ENOENT from the kernel: "TC classifier not found".
    if (matchall && err == -NLE_OBJ_NOTFOUND) {
      matchall_missing_ = true;
    } else {
      ThrowNl(std::string("netlink: adding the ") + kind + " mirror filter on " + device + " " +
                  std::string(ToString(hook)),
              err);
    }
  }
}

std::vector<RtnlCls> TcMirror::Dump(int ifindex, TcHook hook, const std::string& device) {
  nl_cache* raw_cache = nullptr;
  int err = rtnl_cls_alloc_cache(socket_.get(), ifindex, ParentOf(hook), &raw_cache);
  NlCache cache(raw_cache);
  if (IsNoDevice(err) || err == -NLE_INVAL) {
    return {};  // the device, or its clsact qdisc, is gone
  }
  if (err < 0) {
    ThrowNl("netlink: listing the filters of " + device + " " + std::string(ToString(hook)), err);
  }
  std::vector<RtnlCls> at_our_priority;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    auto* cls = reinterpret_cast<rtnl_cls*>(obj);
    if (rtnl_cls_get_prio(cls) == MirrorPriorityOf(hook)) {
      nl_object_get(obj);  // outlives the cache
      at_our_priority.emplace_back(cls);
    }
  }
  return at_our_priority;
}

std::vector<MirrorFilter> TcMirror::Find(const std::string& device) {
  const int ifindex = IfIndexOf(device);
  std::vector<MirrorFilter> found;
  if (ifindex == 0) {
    return found;
  }
  for (TcHook hook : {TcHook::kIngress, TcHook::kEgress}) {
    for (const RtnlCls& cls : Dump(ifindex, hook, device)) {
      if (!IsOurs(cls.get())) {
        continue;
      }
      found.push_back(MirrorFilter{hook, rtnl_tc_get_kind(TC_CAST(cls.get())),
                                   rtnl_tc_get_handle(TC_CAST(cls.get())),
                                   MirrorTargetOf(cls.get())});
    }
  }
  return found;
}

int TcMirror::RemoveWhere(const std::string& device, bool only_orphans) {
  const int ifindex = IfIndexOf(device);
  if (ifindex == 0) {
    return 0;  // a vanished device took its filters with it
  }
  int removed = 0;
  for (TcHook hook : {TcHook::kIngress, TcHook::kEgress}) {
    const std::string where = device + " " + std::string(ToString(hook));
    bool others_left = false;
    bool removed_here = false;
    for (const RtnlCls& cls : Dump(ifindex, hook, device)) {
      if (!IsOurs(cls.get())) {
        others_left = others_left || !IsU32Table(cls.get());
        continue;
      }
      if (only_orphans) {
        const std::uint32_t target = MirrorTargetOf(cls.get());
        if (target != 0 && DeviceExists(static_cast<int>(target))) {
          others_left = true;
          continue;
        }
      }
      int err = rtnl_cls_delete(socket_.get(), cls.get(), 0);
      if (IsNoDevice(err)) {
        continue;  // gone meanwhile, with the device or by another hand
      }
      if (err < 0) {
        ThrowNl("netlink: removing the mirror filter from " + where, err);
      }
      removed_here = true;
      ++removed;
    }
    if (removed_here && !others_left) {
      DropEmptyPriority(ifindex, hook, where);
    }
  }
  return removed;
}

void TcMirror::DropEmptyPriority(int ifindex, TcHook hook, const std::string& where) {
  // A u32 classifier keeps its hash tables after its last filter goes, and they would keep our
  // priority bound to u32 (a later matchall there is refused). With nothing but those tables
  // left at our priority, the priority itself goes. matchall leaves nothing behind.
  std::vector<RtnlCls> left = Dump(ifindex, hook, where);
  if (left.empty()) {
    return;
  }
  for (const RtnlCls& cls : left) {
    if (!IsU32Table(cls.get())) {
      return;
    }
  }
  RtnlCls prio(rtnl_cls_alloc());
  if (!prio) {
    throw Error("netlink: cannot allocate a filter");
  }
  rtnl_tc_set_ifindex(TC_CAST(prio.get()), ifindex);
  rtnl_tc_set_parent(TC_CAST(prio.get()), ParentOf(hook));
  rtnl_cls_set_prio(prio.get(), MirrorPriorityOf(hook));
  rtnl_cls_set_protocol(prio.get(), ETH_P_ALL);
  if (int err = rtnl_tc_set_kind(TC_CAST(prio.get()), "u32"); err < 0) {
    ThrowNl("netlink: u32 priority", err);
  }
  int err = rtnl_cls_delete(socket_.get(), prio.get(), 0);
  if (err < 0 && !IsNoDevice(err)) {
    ThrowNl("netlink: removing the empty u32 tables of our priority on " + where, err);
  }
}

void TcMirror::Install(const std::string& device, const std::string& mirror_device) {
  const int ifindex = IfIndexOf(device);
  if (ifindex == 0) {
    throw Error("netlink: no device " + device + " to mirror");
  }
  const int target = IfIndexOf(mirror_device);
  if (target == 0) {
    throw Error("netlink: no device " + mirror_device + " to mirror " + device + " to");
  }
  EnsureClsact(ifindex, device);
  // Replace: ours go first (an old copy to an earlier Domain M included), then the new one.
  // Packets in the microseconds between are not copied.
  (void)Remove(device);
  for (TcHook hook : {TcHook::kIngress, TcHook::kEgress}) {
    AddFilter(ifindex, hook, target, device);
  }
}

int TcMirror::Remove(const std::string& device) { return RemoveWhere(device, false); }

int TcMirror::RemoveOrphans(const std::string& device) { return RemoveWhere(device, true); }

}  // namespace virdomm
