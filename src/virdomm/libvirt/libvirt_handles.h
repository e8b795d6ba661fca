// Owners for libvirt's C handles and the one error type for failed libvirt calls.
#pragma once

#include <libvirt/libvirt.h>

#include <string>

#include "common/error.h"
#include "common/unique_handle.h"

namespace virdomm {

using ConnectHandle = UniqueHandle<virConnect, virConnectClose>;
using DomainHandle = UniqueHandle<virDomain, virDomainFree>;

// A libvirt call failed. The message says what was attempted, on which domain, libvirt's own
// reason (virGetLastErrorMessage) and what to do.
class LibvirtError : public Error {
 public:
  LibvirtError(const std::string& message, int code) : Error(message), code_(code) {}
  // virErrorNumber of the failure (VIR_ERR_NO_DOMAIN, ...), VIR_ERR_OK when unknown.
  [[nodiscard]] int Code() const { return code_; }

 private:
  int code_;
};

// Builds a LibvirtError from libvirt's last error: "<what>: <libvirt's message>. <advice>".
// Compute `what` and `advice` without calling libvirt: every libvirt call resets the error.
[[noreturn]] void ThrowLibvirt(const std::string& what, const std::string& advice = {});

// Stops libvirt from printing every error to stderr itself; virdomm reports them with context.
void SilenceLibvirtErrorPrinting();

}  // namespace virdomm
