#include "daemon/setting_refusals.h"

#include <algorithm>
#include <filesystem>

#include "core/signing_key.h"

namespace virdomm::monitor {

void SettingRefusals::Update(const std::vector<std::string>& errors, const Console& console,
                             std::string_view monitor) {
  std::vector<std::string> now;
  for (const std::string& error : errors) {
    if (error.empty()) {
      continue;
    }
    if (std::find(current_.begin(), current_.end(), error) == current_.end()) {
      console.Error(monitor, "setting: " + error);
    }
    now.push_back(error);
  }
  current_ = std::move(now);
}

std::vector<Finding> SettingRefusals::With(std::vector<Finding> findings) const {
  for (const std::string& error : current_) {
    findings.push_back({"setting|" + error, error, "warning"});
  }
  return findings;
}

Health SettingRefusals::HealthAfterCheck(const std::string& summary) const {
  if (current_.empty()) {
    return {HealthState::kOk, summary};
  }
  std::string out = summary;
  for (const std::string& error : current_) {
    out += "; " + error;
  }
  return {HealthState::kDegraded, out};
}

void EnsureKeyFile(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    GenerateKeyFile(path);
  }
}

}  // namespace virdomm::monitor
