// Errors carry what was attempted and on what, so a user can act on every message.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace virdomm {

// A failure with context: "set_target(M=7, U=9): Operation not permitted (is U HVM/PVH?)".
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Builds "<what>: <strerror(err)>" from an errno value.
inline std::string ErrnoMessage(const std::string& what, int err) {
  return what + ": " + std::generic_category().message(err);
}

// Throws Error("<what>: <strerror(errno)>"), reading errno at the call.
[[noreturn]] inline void ThrowErrno(const std::string& what) {
  throw Error(ErrnoMessage(what, errno));
}

}  // namespace virdomm
