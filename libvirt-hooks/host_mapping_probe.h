// Whether Domain M can map its target's memory on this host, judged at `prepare`, before the
// domain arrives. The toolstack does not matter: Domain M's xen-privcmd drops its foreign
// mappings when it is suspended and re-makes them once bound (linux-patches/), so any
// libxenguest saves and restores it cleanly — in a PV Domain M, which maps its target on every
// Xen the pair runs on. A PVH or HVM Domain M is refused: Xen lets one map foreign pages only
// since 4.19 ("Allow HVM/PVH domains to map foreign pages"), and even there its mappings are
// p2m entries that the module does not drop at suspend.
#pragma once

#include <optional>
#include <string>

#include "domain/domain_xml.h"

namespace virdomm {

struct XenVersion {
  int major = 0;
  int minor = 0;
  std::string extra;  // e.g. ".7" or "-rc"
};

// The running hypervisor's version from dom0's sysfs (`major`, `minor`, `extra` under `dir`);
// nullopt with `error` set when it cannot be read.
std::optional<XenVersion> ReadHypervisorVersion(const std::string& dir, std::string& error);

// Empty when a Domain M of `kind` can map its target under `version` and keep its mappings
// through a move; otherwise why not.
// `version` is only needed for a PVH/HVM monitor (`version_error` says why it is missing).
std::string MonitorMappingFault(GuestKind kind, const std::optional<XenVersion>& version,
                                const std::string& version_error);

// The same judgement for the monitor described by `domain` on this host (reads
// /sys/hypervisor/version only for a PVH/HVM monitor); empty for a target. Never throws.
std::string HostMappingFault(const DomainFacts& domain);

}  // namespace virdomm
