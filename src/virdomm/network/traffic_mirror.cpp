// KernelTrafficMirror: DomU's vifs found by name, each mirrored or cleaned on its own, so one
// failing vif does not leave the others without a copy.
#include "network/traffic_mirror.h"

#include "common/error.h"
#include "network/tc_mirror.h"

namespace virdomm {

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : " ") + item;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

KernelTrafficMirror::KernelTrafficMirror(std::unique_ptr<VifDirectory> directory)
    : directory_(std::move(directory)) {}

KernelTrafficMirror::~KernelTrafficMirror() = default;

TcMirror& KernelTrafficMirror::Tc() {
  if (!tc_) {
    tc_ = std::make_unique<TcMirror>();
  }
  return *tc_;
}

std::string KernelTrafficMirror::Start(const MirrorRequest& request) {
  const std::string mirror =
      FindMirrorVif(*directory_, request.monitor, request.mirror_mac, request.mirror_vif_hint);
  const std::vector<std::string> vifs = DomainVifs(directory_->DeviceNames(), request.target);
  if (vifs.empty()) {
    throw Error("DomU " + std::to_string(request.target) + " has no vif on this host to mirror");
  }
  std::vector<std::string> done;
  std::vector<std::string> failed;
  for (const std::string& vif : vifs) {
    try {
      Tc().Install(vif, mirror);
      done.push_back(vif);
    } catch (const Error& e) {
      failed.push_back(e.what());
    }
  }
  if (done.empty()) {
    throw Error("mirroring DomU " + std::to_string(request.target) + " to " + mirror + ": " +
                Join(failed));
  }
  std::string line = "mirroring " + Join(done) + " to " + mirror;
  if (!failed.empty()) {
    line += "; not mirrored: " + Join(failed);
  }
  return line;
}

std::string KernelTrafficMirror::Stop(protocol::DomId target) {
  int removed = 0;
  std::vector<std::string> vifs = DomainVifs(directory_->DeviceNames(), target);
  for (const std::string& vif : vifs) {
    removed += Tc().Remove(vif);
  }
  return "removed " + std::to_string(removed) + " mirror filter(s) from DomU " +
         std::to_string(target) + "'s vifs (" + Join(vifs) + ")";
}

std::string KernelTrafficMirror::RemoveOrphans(protocol::DomId target) {
  int removed = 0;
  std::vector<std::string> vifs = DomainVifs(directory_->DeviceNames(), target);
  for (const std::string& vif : vifs) {
    removed += Tc().RemoveOrphans(vif);
  }
  return "removed " + std::to_string(removed) + " orphaned mirror filter(s) from DomU " +
         std::to_string(target) + "'s vifs (" + Join(vifs) + ")";
}

}  // namespace virdomm
