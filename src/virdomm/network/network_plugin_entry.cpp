// virdomm-hook-network.so: the kernel traffic mirror behind one C symbol (network_plugin.h).
#include <cstdio>
#include <exception>
#include <memory>

#include "network/network_plugin.h"
#include "network/system_vif_directory.h"
#include "network/traffic_mirror.h"

extern "C" __attribute__((visibility("default"))) virdomm::TrafficMirror*
virdomm_open_traffic_mirror(char* error, unsigned long error_size) {
  try {
    return std::make_unique<virdomm::KernelTrafficMirror>(
               std::make_unique<virdomm::SystemVifDirectory>())
        .release();
  } catch (const std::exception& e) {
    // A longer reason is cut at error_size; the hook adds the plugin path to it.
    (void)std::snprintf(error, error_size, "%s", e.what());
    return nullptr;
  }
}

// Checked at compile time: the entry point has the type the hook calls it with.
[[maybe_unused]] static constexpr OpenTrafficMirrorFn kEntryHasTheExpectedType =
    &virdomm_open_traffic_mirror;
