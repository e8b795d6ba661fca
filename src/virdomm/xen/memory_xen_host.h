// An in-memory XenHost for unit tests of the hook's decisions: it keeps Xen's rules that the
// decisions depend on (set_target once, HVM/PVH targets only, dying domains) and records every
// call that changes state.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "xen/xen_host.h"

namespace virdomm {

class MemoryXenHost final : public XenHost {
 public:
  // Adds or replaces a domain.
  void AddDomain(const XenDomainInfo& info);
  // Marks a domain dying (it stays listed, as a zombie target does in Xen).
  void KillDomain(DomId domid);
  // The next call of `operation` ("set_target", "xs_set_target", "publish", "find") throws
  // Error with this errno.
  void FailNext(const std::string& operation, int err);

  // State as a test sees it.
  [[nodiscard]] std::optional<DomId> XenTarget(DomId monitor) const;
  [[nodiscard]] const std::vector<std::string>& Calls() const { return calls_; }
  void ClearCalls() { calls_.clear(); }

  std::optional<XenDomainInfo> FindDomainByUuid(const std::string& uuid) override;
  std::optional<XenDomainInfo> FindDomainById(DomId domid) override;
  void SetTarget(DomId monitor, DomId target) override;
  void XsSetTarget(DomId monitor, DomId target) override;
  std::optional<DomId> ReadTargetKey(DomId monitor) override;
  std::optional<PublishedBinding> ReadBinding(DomId monitor) override;
  std::uint64_t PublishBinding(DomId monitor, const Binding& binding,
                               const std::optional<MonitorSettings>& settings) override;

 private:
  void MaybeFail(const std::string& operation, const std::string& what);

  std::map<DomId, XenDomainInfo> domains_;
  std::map<DomId, DomId> xen_target_;
  std::map<DomId, DomId> xs_target_;
  std::map<DomId, DomId> target_key_;
  std::map<DomId, PublishedBinding> bindings_;
  std::map<std::string, int> fail_next_;
  std::vector<std::string> calls_;
};

}  // namespace virdomm
