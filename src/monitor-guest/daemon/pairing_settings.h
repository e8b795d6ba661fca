// The monitor's settings the host's hook publishes from the pairing into this domain's
// xenstore home (libvirt-hooks/PROTOCOL.md): read again whenever the binding's `generation`
// changes. A key that is absent leaves the configuration's value in force; a key that does not
// parse is an error the monitors report, and the value read before it stays.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert_publisher.h"

namespace virdomm::monitor {

// One setting as last read: its value (nullopt while none was ever published) and, when the
// last value read was refused, why.
template <typename T>
struct PublishedSetting {
  std::optional<T> value;
  std::string error;
};

class PairingSettings {
 public:
  // `open` connects to this domain's xenstore home; called again after an error. Null: no
  // host publishes settings here (the configuration alone).
  explicit PairingSettings(std::function<std::unique_ptr<HomeKeys>()> open);

  // Reads `generation`, and the settings when it changed. Returns true when they were read.
  // A xenstore error is kept (ConnectionError) and retried on the next call.
  bool Refresh();

  [[nodiscard]] const PublishedSetting<std::uint32_t>& MemoryInterval() const { return interval_; }
  [[nodiscard]] const PublishedSetting<std::vector<std::string>>& MemoryRegions() const {
    return regions_;
  }
  [[nodiscard]] const PublishedSetting<std::string>& StorageSource() const { return source_; }
  [[nodiscard]] const std::string& ConnectionError() const { return connection_error_; }

 private:
  std::function<std::unique_ptr<HomeKeys>()> open_;
  std::unique_ptr<HomeKeys> keys_;
  std::optional<std::string> generation_;
  PublishedSetting<std::uint32_t> interval_;
  PublishedSetting<std::vector<std::string>> regions_;
  PublishedSetting<std::string> source_;
  std::string connection_error_;
};

}  // namespace virdomm::monitor
