// VifDirectory on a real dom0: device names from /sys/class/net, vif backends from xenstore.
#pragma once

#include "network/vif_directory.h"

namespace virdomm {

// /sys/class/net, and dom0's xenstore opened for each lookup (the hook asks once a run).
class SystemVifDirectory : public VifDirectory {
 public:
  std::vector<std::string> DeviceNames() override;
  std::vector<std::pair<int, std::string>> BackendMacs(protocol::DomId domid) override;
};

}  // namespace virdomm
