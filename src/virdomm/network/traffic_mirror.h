// The copy of DomU's traffic to Domain M's receive-only NIC as the hook asks for it: start,
// stop and sweep, per DomU. One interface; the kernel backend uses VifDirectory and TcMirror.
#pragma once

#include <memory>
#include <string>

#include "common/protocol/xenstore_keys.h"
#include "network/vif_directory.h"

namespace virdomm {

struct MirrorRequest {
  protocol::DomId monitor = 0;
  protocol::DomId target = 0;
  std::string mirror_mac;       // Domain M's NIC that receives the copy (canonical)
  std::string mirror_vif_hint;  // its vif as M's domain XML names it; empty when unknown
  bool operator==(const MirrorRequest&) const = default;
};

class TrafficMirror {
 public:
  virtual ~TrafficMirror() = default;
  // Mirrors every vif DomU has now to Domain M's mirror vif (replacing an earlier copy).
  // Returns one line for the log; throws Error when nothing could be set up.
  virtual std::string Start(const MirrorRequest& request) = 0;
  // Removes the copy from every vif of `target`; a DomU without vifs has nothing to remove.
  virtual std::string Stop(protocol::DomId target) = 0;
  // Removes copies on the vifs of `target` whose Domain M vif is gone.
  virtual std::string RemoveOrphans(protocol::DomId target) = 0;
};

class TcMirror;

// The real one: device names from `directory`, filters through netlink (opened on first use).
class KernelTrafficMirror : public TrafficMirror {
 public:
  explicit KernelTrafficMirror(std::unique_ptr<VifDirectory> directory);
  ~KernelTrafficMirror() override;
  KernelTrafficMirror(const KernelTrafficMirror&) = delete;
  KernelTrafficMirror& operator=(const KernelTrafficMirror&) = delete;

  std::string Start(const MirrorRequest& request) override;
  std::string Stop(protocol::DomId target) override;
  std::string RemoveOrphans(protocol::DomId target) override;

 private:
  TcMirror& Tc();

  std::unique_ptr<VifDirectory> directory_;
  std::unique_ptr<TcMirror> tc_;
};

}  // namespace virdomm
