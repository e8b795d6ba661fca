// In-memory Xen for decision tests: same errors and idempotence rules as LibxenHost.
#include "xen/memory_xen_host.h"

#include <cerrno>

#include "common/error.h"

namespace virdomm {

namespace {
std::string Pair(const char* op, DomId monitor, DomId target) {
  return std::string(op) + "(M=" + std::to_string(monitor) + ", U=" + std::to_string(target) + ")";
}
}  // namespace

void MemoryXenHost::AddDomain(const XenDomainInfo& info) { domains_[info.domid] = info; }

void MemoryXenHost::KillDomain(DomId domid) { domains_.at(domid).dying = true; }

void MemoryXenHost::FailNext(const std::string& operation, int err) { fail_next_[operation] = err; }

void MemoryXenHost::MaybeFail(const std::string& operation, const std::string& what) {
  auto it = fail_next_.find(operation);
  if (it != fail_next_.end()) {
    int err = it->second;
    fail_next_.erase(it);
    throw Error(ErrnoMessage(what, err));
  }
}

std::optional<DomId> MemoryXenHost::XenTarget(DomId monitor) const {
  auto it = xen_target_.find(monitor);
  return it == xen_target_.end() ? std::nullopt : std::optional<DomId>(it->second);
}

std::optional<XenDomainInfo> MemoryXenHost::FindDomainByUuid(const std::string& uuid) {
  MaybeFail("find", "listing Xen domains");
  std::optional<XenDomainInfo> best;
  for (const auto& [domid, info] : domains_) {
    if (info.uuid == uuid && !info.dying && (!best || (best->shutdown && !info.shutdown))) {
      best = info;
    }
  }
  return best;
}

std::optional<XenDomainInfo> MemoryXenHost::FindDomainById(DomId domid) {
  MaybeFail("find", "reading Xen domain info");
  auto it = domains_.find(domid);
  return it == domains_.end() ? std::nullopt : std::optional<XenDomainInfo>(it->second);
}

void MemoryXenHost::SetTarget(DomId monitor, DomId target) {
  std::string what = Pair("set_target", monitor, target);
  calls_.push_back("set-target M=" + std::to_string(monitor) + " U=" + std::to_string(target));
  MaybeFail("set_target", what);
  auto m = domains_.find(monitor);
  auto u = domains_.find(target);
  if (m == domains_.end() || u == domains_.end()) {
    throw Error(ErrnoMessage(what, ESRCH) + " (no such domain: did one of them stop?)");
  }
  if (auto current = XenTarget(monitor)) {
    if (*current == target) {
      return;
    }
    throw Error(what + ": Domain M already has target " + std::to_string(*current) +
                " (Xen sets a target once; restart Domain M to pair it with this DomU)");
  }
  if (u->second.kind != GuestKind::kHvm && u->second.kind != GuestKind::kPvh) {
    throw Error(ErrnoMessage(what, EOPNOTSUPP) + " (is U an HVM/PVH guest? is this dom0?)");
  }
  xen_target_[monitor] = target;
}

void MemoryXenHost::XsSetTarget(DomId monitor, DomId target) {
  calls_.push_back("xs-set-target M=" + std::to_string(monitor) + " U=" + std::to_string(target));
  MaybeFail("xs_set_target", Pair("xs_set_target", monitor, target));
  xs_target_[monitor] = target;
}

std::optional<DomId> MemoryXenHost::ReadTargetKey(DomId monitor) {
  auto it = target_key_.find(monitor);
  return it == target_key_.end() ? std::nullopt : std::optional<DomId>(it->second);
}

std::optional<PublishedBinding> MemoryXenHost::ReadBinding(DomId monitor) {
  auto it = bindings_.find(monitor);
  return it == bindings_.end() ? std::nullopt : std::optional<PublishedBinding>(it->second);
}

std::uint64_t MemoryXenHost::PublishBinding(DomId monitor, const Binding& binding,
                                            const std::optional<MonitorSettings>& settings) {
  std::string call =
      "publish M=" + std::to_string(monitor) + " " + protocol::FormatStateValue(binding);
  if (binding.target_domid) {
    call += " U=" + std::to_string(*binding.target_domid);
  }
  calls_.push_back(call);
  MaybeFail("publish", "xenstore: writing the pair state of Domain M " + std::to_string(monitor));
  PublishedBinding& published = bindings_[monitor];
  published.binding = binding;
  if (settings) {
    published.settings = settings;  // absent: the keys keep what was there, as in xenstore
  }
  if (binding.state == BindingState::kBound && binding.target_domid) {
    target_key_[monitor] = *binding.target_domid;
  }
  return ++published.generation;
}

}  // namespace virdomm
