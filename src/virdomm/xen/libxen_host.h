// XenHost over libxenctrl, libxencall and libxenstore: the real dom0 backend. The Xen headers
// stay inside libxen_host.cpp (they need GNU C++ extensions).
#pragma once

#include <memory>

#include "xen/xen_host.h"

namespace virdomm {

// Opens the hypervisor control interface and xenstore. Throws Error saying which one failed
// and why (no Xen, not dom0, xenstored not running). xenstore calls can block while xenstored
// is stuck: callers bound the whole run (see the hook's watchdog).
std::unique_ptr<XenHost> OpenLibxenHost();

}  // namespace virdomm
