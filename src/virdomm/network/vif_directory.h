// Which dom0 devices belong to a domain: its vifs by name, and Domain M's mirror vif by the
// guest MAC. The host lookups sit behind VifDirectory so the choices are tested without Xen.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/protocol/xenstore_keys.h"

namespace virdomm {

class VifDirectory {
 public:
  virtual ~VifDirectory() = default;
  // The names of this host's network devices.
  virtual std::vector<std::string> DeviceNames() = 0;
  // (devid, guest MAC) of each of the domain's vif backends, from xenstore's
  // /local/domain/0/backend/vif/<domid>/<devid>/mac; a backend without a MAC is left out.
  virtual std::vector<std::pair<int, std::string>> BackendMacs(protocol::DomId domid) = 0;
};

// "vif<domid>.<devid>", the name netback gives the dom0 end of a guest's NIC.
std::string VifName(protocol::DomId domid, int devid);

// The domain's dom0-side devices among `names`: vif<domid>.<devid>, and for an HVM guest also
// vif<domid>.<devid>-emu, the emulated NIC its traffic uses until its PV driver takes over.
std::vector<std::string> DomainVifs(const std::vector<std::string>& names, protocol::DomId domid);

// Domain M's vif for its NIC with guest MAC `mac`: `hint` (from M's domain XML) when it is a
// current device of M, else the backend xenstore lists with that MAC. Throws Error saying
// where it looked.
std::string FindMirrorVif(VifDirectory& directory, protocol::DomId monitor, const std::string& mac,
                          const std::string& hint);

}  // namespace virdomm
