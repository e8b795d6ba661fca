// domubit-bind target M U: binds Domain M (domid M) to DomU (domid U) on an emulated host's
// dom0 through the product's own Xen backend, with the calls the hook's bind makes (set_target,
// xs_set_target, then the binding and Xen's target key published in one xenstore
// transaction). The DomU-bit probes run raw guests that libvirt does not pair (some under `xl`,
// where no hook runs), so this stands in for the hook's decision, not for its bind.
#include <cstdio>
#include <exception>
#include <string>

#include "xen/libxen_host.h"

namespace {

int Bind(virdomm::DomId monitor, virdomm::DomId target) {
  std::unique_ptr<virdomm::XenHost> xen = virdomm::OpenLibxenHost();
  std::optional<virdomm::XenDomainInfo> domu = xen->FindDomainById(target);
  if (!domu) {
    std::fprintf(stderr, "domubit-bind: no domain %u\n", target);
    return 1;
  }
  xen->SetTarget(monitor, target);
  xen->XsSetTarget(monitor, target);
  virdomm::Binding binding;
  binding.state = virdomm::BindingState::kBound;
  binding.target_domid = target;
  binding.target_uuid = domu->uuid;
  // The probe reads no monitor settings.
  std::uint64_t generation = xen->PublishBinding(monitor, binding, std::nullopt);
  std::printf("bound M=%u to U=%u, generation %llu\n", monitor, target,
              static_cast<unsigned long long>(generation));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || std::string(argv[1]) != "target") {
    std::fprintf(stderr, "usage: %s target M U\n", argc > 0 ? argv[0] : "domubit-bind");
    return 2;
  }
  try {
    return Bind(static_cast<virdomm::DomId>(std::stoul(argv[2])),
                static_cast<virdomm::DomId>(std::stoul(argv[3])));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "domubit-bind: %s\n", e.what());
    return 1;
  }
}
