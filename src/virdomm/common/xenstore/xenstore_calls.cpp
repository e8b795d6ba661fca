#include "common/xenstore/xenstore_calls.h"

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "common/error.h"

namespace virdomm {

XenstoreHandle OpenXenstore(const std::string& purpose) {
  XenstoreHandle xs(xs_open(0));
  if (!xs) {
    ThrowErrno("xenstore open (" + purpose + ")");
  }
  return xs;
}

std::optional<std::string> ReadXenstoreKey(xs_handle* xs, const std::string& path) {
  unsigned int length = 0;
  std::unique_ptr<char, decltype(&std::free)> value(
      static_cast<char*>(xs_read(xs, XBT_NULL, path.c_str(), &length)), &std::free);
  if (!value) {
    if (errno == ENOENT) {
      return std::nullopt;
    }
    ThrowErrno("xenstore read " + path);
  }
  return std::string(value.get(), length);
}

void WriteXenstoreKey(xs_handle* xs, const std::string& path, const std::string& value) {
  if (!xs_write(xs, XBT_NULL, path.c_str(), value.data(),
                static_cast<unsigned int>(value.size()))) {
    ThrowErrno("xenstore write " + path + " (" + std::to_string(value.size()) + " bytes)");
  }
}

std::vector<std::string> ListXenstoreDirectory(xs_handle* xs, const std::string& path) {
  unsigned int count = 0;
  std::unique_ptr<char*, decltype(&std::free)> names(
      xs_directory(xs, XBT_NULL, path.c_str(), &count), &std::free);
  if (!names) {
    if (errno == ENOENT) {
      return {};
    }
    ThrowErrno("xenstore directory " + path);
  }
  return std::vector<std::string>(names.get(), names.get() + count);
}

void RemoveXenstoreKey(xs_handle* xs, const std::string& path) {
  if (!xs_rm(xs, XBT_NULL, path.c_str()) && errno != ENOENT) {
    ThrowErrno("xenstore remove " + path);
  }
}

}  // namespace virdomm
