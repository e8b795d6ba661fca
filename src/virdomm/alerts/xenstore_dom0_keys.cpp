#include "alerts/xenstore_dom0_keys.h"

#include <cstdlib>
#include <memory>

#include "common/error.h"

namespace virdomm {

XenstoreDom0Keys::XenstoreDom0Keys()
    : xs_(OpenXenstore("to collect Domain M alerts; is this dom0 of a Xen host?")) {}

std::vector<std::string> XenstoreDom0Keys::List(const std::string& path) {
  return ListXenstoreDirectory(xs_.get(), path);
}

std::optional<std::string> XenstoreDom0Keys::Read(const std::string& path) {
  return ReadXenstoreKey(xs_.get(), path);
}

bool XenstoreDom0Keys::OwnedByDom0(const std::string& path) {
  unsigned int count = 0;
  std::unique_ptr<xs_permissions, decltype(&std::free)> perms(
      xs_get_permissions(xs_.get(), XBT_NULL, path.c_str(), &count), &std::free);
  return perms && count > 0 && perms.get()[0].id == 0;
}

void XenstoreDom0Keys::WriteReadableBy(const std::string& path, const std::string& value,
                                       std::uint32_t reader) {
  WriteXenstoreKey(xs_.get(), path, value);
  // Owner dom0, nobody else; read for Domain M (the entry for `reader`).
  xs_permissions perms[2] = {{0, XS_PERM_NONE}, {reader, XS_PERM_READ}};
  if (!xs_set_permissions(xs_.get(), XBT_NULL, path.c_str(), perms, 2)) {
    ThrowErrno("xenstore set permissions of " + path);
  }
}

}  // namespace virdomm
