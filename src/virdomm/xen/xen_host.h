// The dom0 side of Xen as the hook needs it: find domains, grant Domain M its target, publish
// the pair's state in xenstore. One interface, two backends: libxenctrl/libxenstore
// (LibxenHost) and an in-memory one for unit tests (MemoryXenHost).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/domain_xml.h"

namespace virdomm {

using DomId = std::uint32_t;

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

// The pair's state as published under /local/domain/<M>/virdomm/ (PROTOCOL.md).
// kRestart: DomU runs as a new domain (a reboot, a restore of DomU alone) that Xen cannot make
// Domain M's target, since Xen sets a domain's target once; Domain M restarts to follow it.
enum class PairStateKind { kBound, kUnbound, kRestart, kError };
std::string_view ToString(PairStateKind kind);

struct PairState {
  PairStateKind kind = PairStateKind::kUnbound;
  std::optional<DomId> target_domid;  // bound: the target; restart: the DomU to follow; else empty
  std::string target_uuid;
  std::string error;  // only for kError
  bool operator==(const PairState&) const = default;
};

// The value of the `state` key: "bound", "unbound", "restart" or "error: <message>".
std::string PairStateValue(const PairState& state);
// Parses a `state` value back; nullopt when it is none of the four forms.
std::optional<PairState> ParsePairStateValue(std::string_view value);

// What is currently published for Domain M, with the generation counter.
struct PublishedPairState {
  PairState state;
  std::uint64_t generation = 0;
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
  // /local/domain/<M>/target = <U> (what Domain M's privcmd reads).
  virtual void WriteTargetKey(DomId monitor, DomId target) = 0;
  // /local/domain/<M>/target, nullopt when absent or not a domid.
  virtual std::optional<DomId> ReadTargetKey(DomId monitor) = 0;

  // The keys under /local/domain/<M>/virdomm/, nullopt when there are none.
  virtual std::optional<PublishedPairState> ReadPairState(DomId monitor) = 0;
  // Writes the keys (readable by M, owned by dom0) and increments `generation` in one
  // transaction; returns the new generation.
  virtual std::uint64_t PublishPairState(DomId monitor, const PairState& state) = 0;
};

}  // namespace virdomm
