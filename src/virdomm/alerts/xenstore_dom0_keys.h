// Dom0Keys over dom0's xenstore connection.
#pragma once

#include "alerts/alert_collector.h"
#include "common/xenstore/xenstore_calls.h"

namespace virdomm {

class XenstoreDom0Keys : public Dom0Keys {
 public:
  XenstoreDom0Keys();  // throws Error when xenstore cannot be opened
  std::vector<std::string> List(const std::string& path) override;
  std::optional<std::string> Read(const std::string& path) override;
  bool OwnedByDom0(const std::string& path) override;
  void WriteReadableBy(const std::string& path, const std::string& value,
                       std::uint32_t reader) override;

 private:
  XenstoreHandle xs_;
};

}  // namespace virdomm
