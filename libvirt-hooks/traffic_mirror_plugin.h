// The traffic mirror as the hook uses it: loaded from virdomm-hook-network.so on first use, so
// that the hook itself links no libnl. A host without the plugin or without libnl-route-3 binds
// pairs as before; only the copy of DomU's traffic fails, which the hook logs as a warning.
#pragma once

#include <memory>
#include <string>

#include "network/traffic_mirror.h"

namespace virdomm {

// Throws Error naming the plugin and dlopen's reason when it cannot be loaded or opened.
std::unique_ptr<TrafficMirror> LoadTrafficMirrorPlugin(const std::string& path);

// Where the hook looks: VIRDOMM_HOOK_NETWORK_PLUGIN when set (tests; libvirtd gives hooks a
// clean environment), else the installed plugin under the library directory.
std::string TrafficMirrorPluginPath();

}  // namespace virdomm
