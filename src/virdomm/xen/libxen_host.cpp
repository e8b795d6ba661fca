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
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/error.h"
#include "common/hex.h"
#include "common/protocol/binding_state.h"
#include "common/protocol/key_values.h"
#include "common/protocol/xenstore_keys.h"
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
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out += '-';
    }
    AppendHexByte(out, handle[i]);
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
  std::optional<DomId> ReadTargetKey(DomId monitor) override;
  std::optional<PublishedBinding> ReadBinding(DomId monitor) override;
  std::uint64_t PublishBinding(DomId monitor, const Binding& binding,
                               const std::optional<MonitorSettings>& settings) override;

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

std::optional<DomId> LibxenHost::ReadTargetKey(DomId monitor) {
  auto value = XsRead(XBT_NULL, protocol::XenTargetPath(monitor));
  return value ? protocol::ParseDomid(*value) : std::nullopt;
}

std::optional<PublishedBinding> LibxenHost::ReadBinding(DomId monitor) {
  auto state_value = XsRead(XBT_NULL, protocol::BindingKeyPath(monitor, protocol::kStateKey));
  if (!state_value) {
    return std::nullopt;
  }
  PublishedBinding published;
  published.binding = protocol::ParseStateValue(*state_value)
                          .value_or(Binding{BindingState::kError, std::nullopt, "",
                                            "unreadable state '" + *state_value + "'"});
  if (auto domid = XsRead(XBT_NULL, protocol::BindingKeyPath(monitor, protocol::kTargetDomidKey))) {
    published.binding.target_domid = protocol::ParseDomid(*domid);
  }
  published.binding.target_uuid =
      XsRead(XBT_NULL, protocol::BindingKeyPath(monitor, protocol::kTargetUuidKey)).value_or("");
  if (auto gen = XsRead(XBT_NULL, protocol::BindingKeyPath(monitor, protocol::kGenerationKey))) {
    published.generation = protocol::ParseGeneration(*gen).value_or(0);
  }
  auto interval = XsRead(XBT_NULL, protocol::BindingKeyPath(monitor, protocol::kMemoryIntervalKey));
  auto regions = XsRead(XBT_NULL, protocol::BindingKeyPath(monitor, protocol::kMemoryRegionsKey));
  auto source = XsRead(XBT_NULL, protocol::BindingKeyPath(monitor, protocol::kStorageSourceKey));
  auto parsed_interval = interval ? protocol::ParseMemoryInterval(*interval) : std::nullopt;
  auto parsed_regions = regions ? protocol::ParseMemoryRegions(*regions) : std::nullopt;
  auto parsed_source = source ? protocol::ParseStorageSource(*source) : std::nullopt;
  if (parsed_interval && parsed_regions && parsed_source) {
    published.settings = MonitorSettings{*parsed_interval, *parsed_regions, *parsed_source};
  }
  return published;
}

std::uint64_t LibxenHost::PublishBinding(DomId monitor, const Binding& binding,
                                         const std::optional<MonitorSettings>& settings) {
  const std::string generation_path = protocol::BindingKeyPath(monitor, protocol::kGenerationKey);
  for (int attempt = 1;; ++attempt) {
    XsTransaction t(xsh_.get());
    std::uint64_t generation = 0;
    if (auto gen = XsRead(t.Get(), generation_path)) {
      generation = protocol::ParseGeneration(*gen).value_or(0);
    }
    ++generation;
    std::string dir = protocol::BindingDirectoryPath(monitor);
    if (!xs_mkdir(xsh_.get(), t.Get(), dir.c_str())) {
      ThrowErrno("xenstore: creating " + dir);
    }
    xs_permissions perms[2] = {{0, XS_PERM_NONE}, {monitor, XS_PERM_READ}};
    if (!xs_set_permissions(xsh_.get(), t.Get(), dir.c_str(), perms, 2)) {
      ThrowErrno("xenstore: setting permissions of " + dir);
    }
    XsWrite(t.Get(), protocol::BindingKeyPath(monitor, protocol::kTargetDomidKey),
            protocol::FormatTargetDomid(binding.target_domid), monitor);
    XsWrite(t.Get(), protocol::BindingKeyPath(monitor, protocol::kTargetUuidKey),
            binding.target_uuid, monitor);
    XsWrite(t.Get(), protocol::BindingKeyPath(monitor, protocol::kStateKey),
            protocol::FormatStateValue(binding), monitor);
    if (settings) {
      XsWrite(t.Get(), protocol::BindingKeyPath(monitor, protocol::kMemoryIntervalKey),
              protocol::FormatMemoryInterval(settings->memory_interval_ms), monitor);
      XsWrite(t.Get(), protocol::BindingKeyPath(monitor, protocol::kMemoryRegionsKey),
              protocol::FormatMemoryRegions(settings->memory_regions), monitor);
      XsWrite(t.Get(), protocol::BindingKeyPath(monitor, protocol::kStorageSourceKey),
              settings->storage_source, monitor);
    }
    XsWrite(t.Get(), generation_path, std::to_string(generation), monitor);
    if (binding.state == BindingState::kBound && binding.target_domid) {
      XsWrite(t.Get(), protocol::XenTargetPath(monitor), std::to_string(*binding.target_domid),
              monitor);
    }
    if (t.Commit()) {
      return generation;
    }
    if (errno != EAGAIN || attempt == kTransactionAttempts) {
      ThrowErrno("xenstore: committing the binding of Domain M " + std::to_string(monitor));
    }
  }
}

std::unique_ptr<XenHost> OpenLibxenHost() { return std::make_unique<LibxenHost>(); }

}  // namespace virdomm
