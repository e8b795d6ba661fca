// Turns libvirt's thread-local last error into a LibvirtError with context.
#include "libvirt/libvirt_handles.h"

#include <libvirt/virterror.h>

namespace virdomm {

void ThrowLibvirt(const std::string& what, const std::string& advice) {
  int code = VIR_ERR_OK;
  if (virErrorPtr err = virGetLastError(); err != nullptr) {
    code = err->code;
  }
  std::string message = what + ": " + virGetLastErrorMessage();
  if (!advice.empty()) {
    message += ". " + advice;
  }
  virResetLastError();
  throw LibvirtError(message, code);
}

namespace {
void IgnoreError(void* /*user*/, virErrorPtr /*error*/) {}
}  // namespace

void SilenceLibvirtErrorPrinting() { virSetErrorFunc(nullptr, IgnoreError); }

}  // namespace virdomm
