// `virdomm alerts` (show the alert log) and `virdomm collect-alerts` (the collector's loop).
#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace virdomm {

struct AlertsOptions {
  std::string log;                    // the alert log
  std::optional<std::string> domain;  // only alerts of this pair member (name or UUID)
  bool json = false;
  bool follow = false;
};

int RunAlerts(const AlertsOptions& options, std::ostream& out, std::ostream& err);

struct CollectOptions {
  std::string log;
  unsigned interval_ms = 500;
  bool once = false;
};

int RunCollectAlerts(const CollectOptions& options, std::ostream& out, std::ostream& err);

}  // namespace virdomm
