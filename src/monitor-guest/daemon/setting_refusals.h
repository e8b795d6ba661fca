// The settings a monitor refused from the host (a value in xenstore that does not parse): each
// new refusal is logged once, and while it lasts it is a warning finding of the monitor, so
// that the health record and an alert say it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alerts/monitor_alerts.h"
#include "daemon/console.h"
#include "daemon/monitor.h"

namespace virdomm::monitor {

class SettingRefusals {
 public:
  // `errors`: the refusals now, each already saying what is kept instead; empty ones ignored.
  void Update(const std::vector<std::string>& errors, const Console& console,
              std::string_view monitor);
  // `findings` of a check with one warning finding per refusal added.
  [[nodiscard]] std::vector<Finding> With(std::vector<Finding> findings) const;
  // A check's health: ok with `summary`, degraded with the refusals too while there are any.
  [[nodiscard]] Health HealthAfterCheck(const std::string& summary) const;

 private:
  std::vector<std::string> current_;
};

// Creates the signing key at `path` (32 random bytes, mode 0600) when there is none yet.
void EnsureKeyFile(const std::string& path);

}  // namespace virdomm::monitor
