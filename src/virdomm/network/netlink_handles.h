// Owner types for libnl-route-3's objects: each releases its handle with libnl's own function.
#pragma once

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/socket.h>

#include "common/unique_handle.h"

namespace virdomm {

using NlSocket = UniqueHandle<nl_sock, nl_socket_free>;
using NlCache = UniqueHandle<nl_cache, nl_cache_free>;
using RtnlLink = UniqueHandle<rtnl_link, rtnl_link_put>;
using RtnlQdisc = UniqueHandle<rtnl_qdisc, rtnl_qdisc_put>;
using RtnlCls = UniqueHandle<rtnl_cls, rtnl_cls_put>;
using RtnlAct = UniqueHandle<rtnl_act, rtnl_act_put>;

}  // namespace virdomm
