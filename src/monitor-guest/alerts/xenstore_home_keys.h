// HomeKeys over this domain's xenstore connection (relative paths resolve in its home).
#pragma once

#include "alerts/alert_publisher.h"
#include "common/xenstore/xenstore_calls.h"

namespace virdomm::monitor {

class XenstoreHomeKeys : public HomeKeys {
 public:
  XenstoreHomeKeys();  // throws Error when xenstore cannot be opened
  std::optional<std::string> Read(const std::string& path) override;
  void Write(const std::string& path, const std::string& value) override;
  std::vector<std::string> List(const std::string& path) override;
  void Remove(const std::string& path) override;

 private:
  XenstoreHandle xs_;
};

}  // namespace virdomm::monitor
