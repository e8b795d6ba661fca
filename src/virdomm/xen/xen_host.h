// The dom0 side of Xen as the hook needs it: find domains, grant Domain M its target, publish
// the pair's state in xenstore. One interface, two backends: libxenctrl/libxenstore
// (LibxenHost) and an in-memory one for unit tests (MemoryXenHost).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/protocol/binding_state.h"
#include "common/protocol/monitor_settings.h"
#include "domain/domain_xml.h"

namespace virdomm {

using DomId = protocol::DomId;

// What Xen reports about one domain.
struct XenDomainInfo {
  DomId domid = 0;
  std::string uuid;  // canonical form of the domain handle
  GuestKind kind = GuestKind::kUnknown;
  bool dying = false;     // being destroyed: never a partner
  bool shutdown = false;  // shut down or suspended (e.g. the source copy during migration)
  bool paused = false;
  bool operator==(const XenDomainInfo&) const = default;
};

// The binding published under /local/domain/<M>/virdomm/ is the protocol's own type
// (common/protocol/, PROTOCOL.md), which Domain M parses with the same code.
using protocol::Binding;
using protocol::BindingState;
using protocol::MonitorSettings;

// What is currently published for Domain M, with the generation counter.
struct PublishedBinding {
  Binding binding;
  std::uint64_t generation = 0;
  // The monitor's settings keys, when a binding wrote them (read back whole or not at all).
  std::optional<MonitorSettings> settings;
};

class XenHost {
 public:
  virtual ~XenHost() = default;

  // The live domain with this UUID: dying domains are skipped; among several (a suspended
  // migration source beside its paused copy) one that is not shut down wins.
  virtual std::optional<XenDomainInfo> FindDomainByUuid(const std::string& uuid) = 0;
  // The domain with this domid, dying or not; nullopt when there is none.
  virtual std::optional<XenDomainInfo> FindDomainById(DomId domid) = 0;

  // xc_domain_set_target(M, U). Succeeds without change when M's target already is U.
  virtual void SetTarget(DomId monitor, DomId target) = 0;
  // xs_set_target(M, U): M's xenstore connection may act on U's nodes.
  virtual void XsSetTarget(DomId monitor, DomId target) = 0;
  // /local/domain/<M>/target, nullopt when absent or not a domid.
  virtual std::optional<DomId> ReadTargetKey(DomId monitor) = 0;

  // The keys under /local/domain/<M>/virdomm/, nullopt when there are none.
  virtual std::optional<PublishedBinding> ReadBinding(DomId monitor) = 0;
  // Writes the keys (readable by M, owned by dom0) and increments `generation` in one
  // transaction; returns the new generation. A `bound` binding also sets Xen's
  // /local/domain/<M>/target = <U> (what Domain M's privcmd reads) in that transaction: M never
  // sees the one without the other, and the bind costs one commit while DomU is paused.
  // `settings`, when given, are written in that same transaction (a `bound` binding gives
  // them: the monitor reads its settings on the generation change that binds it).
  virtual std::uint64_t PublishBinding(DomId monitor, const Binding& binding,
                                       const std::optional<MonitorSettings>& settings) = 0;
};

}  // namespace virdomm
