// The real dom0 backend: domain list and set_target through libxenctrl, keys and permissions
// through libxenstore.
#include "xen/libxen_host.h"

#include <syslog.h>

// The Xen 4.17 tools headers declare C functions without extern "C" guards.
extern "C" {
#include <xenctrl.h>
#include <xenstore.h>
#include <xenstore_lib.h>
#include <xentoollog.h>
}

#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/error.h"
#include "common/unique_handle.h"
#include "pairing/pairing.h"

namespace virdomm {

namespace {

void XtlVmessage(xentoollog_logger* /*logger*/, xentoollog_level level, int errnoval,
                 const char* context, const char* format, va_list args) {
  if (level < XTL_WARN) {
    return;
  }
  char text[512];
  (void)std::vsnprintf(text, sizeof(text), format, args);
  if (errnoval >= 0) {
    syslog(LOG_WARNING, "%s: %s: %s", context != nullptr ? context : "xen", text,
           std::generic_category().message(errnoval).c_str());
  } else {
    syslog(LOG_WARNING, "%s: %s", context != nullptr ? context : "xen", text);
  }
}

void XtlDestroy(xentoollog_logger* /*logger*/) {}

std::string UuidFromHandle(const xen_domain_handle_t handle) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out += '-';
    }
    out += kDigits[handle[i] >> 4U];
    out += kDigits[handle[i] & 0xfU];
  }
  return out;
}

// PV has no HVM container; PVH is an HVM container without emulated PIC/IOAPIC (libxl gives
// PVH only the LAPIC, HVM all emulated devices).
GuestKind KindFromInfo(const xc_domaininfo_t& info) {
  if ((info.flags & XEN_DOMINF_hvm_guest) == 0) {
    return GuestKind::kPv;
  }
  return (info.arch_config.emulation_flags & XEN_X86_EMU_PIC) != 0 ? GuestKind::kHvm
                                                                   : GuestKind::kPvh;
}

XenDomainInfo InfoFrom(const xc_domaininfo_t& info) {
  XenDomainInfo out;
  out.domid = info.domain;
  out.uuid = UuidFromHandle(info.handle);
  out.kind = KindFromInfo(info);
  out.dying = (info.flags & XEN_DOMINF_dying) != 0;
  out.shutdown = (info.flags & XEN_DOMINF_shutdown) != 0;
  out.paused = (info.flags & XEN_DOMINF_paused) != 0;
  return out;
}

std::string Pair(const char* op, DomId monitor, DomId target) {
  return std::string(op) + "(M=" + std::to_string(monitor) + ", U=" + std::to_string(target) + ")";
}

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string DomainPath(DomId domid) { return "/local/domain/" + std::to_string(domid); }
std::string PairKey(DomId monitor, const char* key) {
  return DomainPath(monitor) + "/virdomm/" + key;
}

// xs_read returns malloc()ed memory that the caller frees.
void FreeXs(void* p) { std::free(p); }  // NOLINT(cppcoreguidelines-owning-memory)

// A transaction that is aborted unless committed.
class XsTransaction {
 public:
  explicit XsTransaction(xs_handle* xsh) : xsh_(xsh), t_(xs_transaction_start(xsh)) {
    if (t_ == XBT_NULL) {
      ThrowErrno("xenstore: starting a transaction");
    }
  }
  XsTransaction(const XsTransaction&) = delete;
  XsTransaction& operator=(const XsTransaction&) = delete;
  ~XsTransaction() {
    if (t_ != XBT_NULL) {
      (void)xs_transaction_end(xsh_, t_, true);
    }
  }
  [[nodiscard]] xs_transaction_t Get() const { return t_; }
  // True when committed; false with errno EAGAIN when another writer raced us.
  bool Commit() {
    xs_transaction_t t = t_;
    t_ = XBT_NULL;
    return xs_transaction_end(xsh_, t, false);
  }

 private:
  xs_handle* xsh_;
  xs_transaction_t t_;
};

constexpr int kTransactionAttempts = 8;

// Sends libxenctrl's own diagnostics to syslog instead of the hook's stderr (libvirt shows the
// hook's stderr to users; they get our one-line reason with errno instead).
struct SyslogXtlLogger {
  xentoollog_logger base{};
  SyslogXtlLogger();
};

using XcInterface = UniqueHandle<xc_interface, xc_interface_close>;
using XsHandle = UniqueHandle<xs_handle, xs_close>;

class LibxenHost final : public XenHost {
 public:
  LibxenHost();
  LibxenHost(const LibxenHost&) = delete;
  LibxenHost& operator=(const LibxenHost&) = delete;
  ~LibxenHost() override;

  std::optional<XenDomainInfo> FindDomainByUuid(const std::string& uuid) override;
  std::optional<XenDomainInfo> FindDomainById(DomId domid) override;
  void SetTarget(DomId monitor, DomId target) override;
  void XsSetTarget(DomId monitor, DomId target) override;
  void WriteTargetKey(DomId monitor, DomId target) override;
  std::optional<DomId> ReadTargetKey(DomId monitor) override;
  std::optional<PublishedPairState> ReadPairState(DomId monitor) override;
  std::uint64_t PublishPairState(DomId monitor, const PairState& state) override;

 private:
  std::vector<XenDomainInfo> ListDomains();
  std::optional<std::string> XsRead(xs_transaction_t t, const std::string& path);
  void XsWrite(xs_transaction_t t, const std::string& path, const std::string& value, DomId reader);

  std::unique_ptr<SyslogXtlLogger> logger_;
  XcInterface xch_;
  XsHandle xsh_;
};

}  // namespace

SyslogXtlLogger::SyslogXtlLogger() {
  base.vmessage = XtlVmessage;
  base.progress = nullptr;
  base.destroy = XtlDestroy;
}

LibxenHost::LibxenHost() : logger_(std::make_unique<SyslogXtlLogger>()) {
  xch_.reset(xc_interface_open(&logger_->base, &logger_->base, 0));
  if (!xch_) {
    ThrowErrno(
        "opening the Xen control interface (/dev/xen/privcmd; is this a Xen dom0 with "
        "xen-utils running?)");
  }
  xsh_.reset(xs_open(0));
  if (!xsh_) {
    ThrowErrno("connecting to xenstore (is xenstored running?)");
  }
}

LibxenHost::~LibxenHost() = default;

std::vector<XenDomainInfo> LibxenHost::ListDomains() {
  std::vector<XenDomainInfo> out;
  std::vector<xc_domaininfo_t> batch(64);
  std::uint32_t first = 0;
  for (;;) {
    int n =
        xc_domain_getinfolist(xch_.get(), first, static_cast<unsigned>(batch.size()), batch.data());
    if (n < 0) {
      ThrowErrno("listing Xen domains (xc_domain_getinfolist from " + std::to_string(first) + ")");
    }
    for (int i = 0; i < n; ++i) {
      out.push_back(InfoFrom(batch[static_cast<std::size_t>(i)]));
    }
    if (n < static_cast<int>(batch.size())) {
      return out;
    }
    first = batch[batch.size() - 1].domain + 1U;
  }
}

std::optional<XenDomainInfo> LibxenHost::FindDomainByUuid(const std::string& uuid) {
  std::optional<XenDomainInfo> best;
  for (XenDomainInfo& info : ListDomains()) {
    if (info.uuid != uuid || info.dying) {
      continue;
    }
    if (!best || (best->shutdown && !info.shutdown)) {
      best = std::move(info);
    }
  }
  return best;
}

std::optional<XenDomainInfo> LibxenHost::FindDomainById(DomId domid) {
  xc_domaininfo_t info{};
  int n = xc_domain_getinfolist(xch_.get(), domid, 1, &info);
  if (n < 0) {
    ThrowErrno("reading Xen domain info of domain " + std::to_string(domid));
  }
  // getinfolist returns the next domain at or above `domid`: check it is this one.
  if (n == 0 || info.domain != domid) {
    return std::nullopt;
  }
  return InfoFrom(info);
}

void LibxenHost::SetTarget(DomId monitor, DomId target) {
  if (xc_domain_set_target(xch_.get(), monitor, target) == 0) {
    return;
  }
  int err = errno;
  std::string what = Pair("set_target", monitor, target);
  switch (err) {
    case EINVAL: {
      // Xen sets a domain's target once and never clears it: fine if it already is U.
      std::optional<DomId> current = ReadTargetKey(monitor);
      if (current == target) {
        return;
      }
      if (current) {
        throw Error(what + ": Domain M already has target " + std::to_string(*current) +
                    " (Xen sets a target once; restart Domain M to pair it with this DomU)");
      }
      throw Error(ErrnoMessage(what, err) + " (Domain M already has a target, or M == U)");
    }
    case EOPNOTSUPP:
    case EPERM:
      throw Error(ErrnoMessage(what, err) + " (is U an HVM/PVH guest? is this dom0?)");
    case ESRCH:
      throw Error(ErrnoMessage(what, err) + " (no such domain: did one of them stop?)");
    default:
      throw Error(ErrnoMessage(what, err));
  }
}

void LibxenHost::XsSetTarget(DomId monitor, DomId target) {
  if (!xs_set_target(xsh_.get(), monitor, target)) {
    ThrowErrno(Pair("xs_set_target", monitor, target));
  }
}

std::optional<std::string> LibxenHost::XsRead(xs_transaction_t t, const std::string& path) {
  unsigned int len = 0;
  UniqueHandle<void, FreeXs> value(xs_read(xsh_.get(), t, path.c_str(), &len));
  if (!value) {
    if (errno == ENOENT) {
      return std::nullopt;
    }
    ThrowErrno("xenstore: reading " + path);
  }
  return std::string(static_cast<const char*>(value.get()), len);
}

void LibxenHost::XsWrite(xs_transaction_t t, const std::string& path, const std::string& value,
                         DomId reader) {
  if (!xs_write(xsh_.get(), t, path.c_str(), value.data(), value.size())) {
    ThrowErrno("xenstore: writing " + path);
  }
  // dom0 owns the node (others: no access), Domain M may read it.
  xs_permissions perms[2] = {{0, XS_PERM_NONE}, {reader, XS_PERM_READ}};
  if (!xs_set_permissions(xsh_.get(), t, path.c_str(), perms, 2)) {
    ThrowErrno("xenstore: setting permissions of " + path);
  }
}

void LibxenHost::WriteTargetKey(DomId monitor, DomId target) {
  XsWrite(XBT_NULL, DomainPath(monitor) + "/target", std::to_string(target), monitor);
}

std::optional<DomId> LibxenHost::ReadTargetKey(DomId monitor) {
  auto value = XsRead(XBT_NULL, DomainPath(monitor) + "/target");
  if (!value) {
    return std::nullopt;
  }
  auto domid = ParseUnsigned(*value);
  if (!domid || *domid > DOMID_MASK) {
    return std::nullopt;
  }
  return static_cast<DomId>(*domid);
}

std::optional<PublishedPairState> LibxenHost::ReadPairState(DomId monitor) {
  auto state_value = XsRead(XBT_NULL, PairKey(monitor, "state"));
  if (!state_value) {
    return std::nullopt;
  }
  PublishedPairState published;
  published.state = ParsePairStateValue(*state_value)
                        .value_or(PairState{PairStateKind::kError, std::nullopt, "",
                                            "unreadable state '" + *state_value + "'"});
  if (auto domid = XsRead(XBT_NULL, PairKey(monitor, "target-domid"))) {
    if (auto value = ParseUnsigned(*domid); value && *value <= DOMID_MASK) {
      published.state.target_domid = static_cast<DomId>(*value);
    }
  }
  published.state.target_uuid = XsRead(XBT_NULL, PairKey(monitor, "target-uuid")).value_or("");
  if (auto gen = XsRead(XBT_NULL, PairKey(monitor, "generation"))) {
    published.generation = ParseUnsigned(*gen).value_or(0);
  }
  return published;
}

std::uint64_t LibxenHost::PublishPairState(DomId monitor, const PairState& state) {
  for (int attempt = 1;; ++attempt) {
    XsTransaction t(xsh_.get());
    std::uint64_t generation = 0;
    if (auto gen = XsRead(t.Get(), PairKey(monitor, "generation"))) {
      generation = ParseUnsigned(*gen).value_or(0);
    }
    ++generation;
    std::string dir = DomainPath(monitor) + "/virdomm";
    if (!xs_mkdir(xsh_.get(), t.Get(), dir.c_str())) {
      ThrowErrno("xenstore: creating " + dir);
    }
    xs_permissions perms[2] = {{0, XS_PERM_NONE}, {monitor, XS_PERM_READ}};
    if (!xs_set_permissions(xsh_.get(), t.Get(), dir.c_str(), perms, 2)) {
      ThrowErrno("xenstore: setting permissions of " + dir);
    }
    XsWrite(t.Get(), PairKey(monitor, "target-domid"),
            state.target_domid ? std::to_string(*state.target_domid) : "", monitor);
    XsWrite(t.Get(), PairKey(monitor, "target-uuid"), state.target_uuid, monitor);
    XsWrite(t.Get(), PairKey(monitor, "state"), PairStateValue(state), monitor);
    XsWrite(t.Get(), PairKey(monitor, "generation"), std::to_string(generation), monitor);
    if (t.Commit()) {
      return generation;
    }
    if (errno != EAGAIN || attempt == kTransactionAttempts) {
      ThrowErrno("xenstore: committing the pair state of Domain M " + std::to_string(monitor));
    }
  }
}

std::unique_ptr<XenHost> OpenLibxenHost() { return std::make_unique<LibxenHost>(); }

}  // namespace virdomm
