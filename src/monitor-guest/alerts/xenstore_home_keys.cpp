#include "alerts/xenstore_home_keys.h"

namespace virdomm::monitor {

XenstoreHomeKeys::XenstoreHomeKeys() : xs_(OpenXenstore("to publish this Domain M's alerts")) {}

std::optional<std::string> XenstoreHomeKeys::Read(const std::string& path) {
  return ReadXenstoreKey(xs_.get(), path);
}

void XenstoreHomeKeys::Write(const std::string& path, const std::string& value) {
  WriteXenstoreKey(xs_.get(), path, value);
}

std::vector<std::string> XenstoreHomeKeys::List(const std::string& path) {
  return ListXenstoreDirectory(xs_.get(), path);
}

void XenstoreHomeKeys::Remove(const std::string& path) { RemoveXenstoreKey(xs_.get(), path); }

}  // namespace virdomm::monitor
