// The entry point of virdomm-hook-network.so, the part of the traffic mirror that needs libnl.
// The hook loads it with dlopen only when a pair asks for a copy of DomU's traffic.
#pragma once

namespace virdomm {
class TrafficMirror;
}

// The symbol the hook looks up, and its type: a new KernelTrafficMirror over the host's own
// devices, owned by the caller (delete it before dlclose). Null when it cannot be made; the
// reason is then in `error` (NUL-terminated, at most `error_size` bytes).
inline constexpr const char* kTrafficMirrorPluginSymbol = "virdomm_open_traffic_mirror";
using OpenTrafficMirrorFn = virdomm::TrafficMirror* (*)(char* error, unsigned long error_size);
