#include "common/protocol/xenstore_keys.h"

namespace virdomm::protocol {

std::string DomainHome(DomId domid) { return "/local/domain/" + std::to_string(domid); }

std::string BindingDirectoryPath(DomId monitor) {
  return DomainHome(monitor) + "/" + std::string(kBindingDirectory);
}

std::string BindingKeyPath(DomId monitor, std::string_view key) {
  return BindingDirectoryPath(monitor) + "/" + std::string(key);
}

std::string XenTargetPath(DomId monitor) {
  return DomainHome(monitor) + "/" + std::string(kXenTargetKey);
}

std::string MappingsPath(DomId monitor) {
  return DomainHome(monitor) + "/" + std::string(kMappingsKey);
}

std::string OwnBindingKey(std::string_view key) {
  return std::string(kBindingDirectory) + "/" + std::string(key);
}

}  // namespace virdomm::protocol
