// Whether Domain M can map its target's memory on this host, judged at `prepare`, before the
// domain arrives. The toolstack does not matter: Domain M's xen-privcmd drops its foreign
// mappings when it is suspended and re-makes them once bound (linux-patches/), so any
// libxenguest saves and restores it cleanly. What a host can lack is a hypervisor that lets a
// PVH or HVM Domain M map foreign pages at all: Xen allows that since 4.19 ("Allow HVM/PVH
// domains to map foreign pages"); a PV Domain M maps its target on every Xen the pair runs on.
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

// Empty when a Domain M of `kind` can map its target under `version`; otherwise why not.
// `version` is only needed for a PVH/HVM monitor (`version_error` says why it is missing).
std::string MonitorMappingFault(GuestKind kind, const std::optional<XenVersion>& version,
                                const std::string& version_error);

// The same judgement for the monitor described by `domain` on this host (reads
// /sys/hypervisor/version only for a PVH/HVM monitor); empty for a target. Never throws.
std::string HostMappingFault(const DomainFacts& domain);

}  // namespace virdomm
