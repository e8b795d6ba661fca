#include "daemon/pairing_settings.h"

#include "common/protocol/monitor_settings.h"

namespace virdomm::monitor {
namespace {

// The value of `key` parsed by `parse` into `setting`; an absent key changes nothing.
template <typename T, typename Parse>
void Take(HomeKeys& keys, std::string_view key, Parse parse, PublishedSetting<T>& setting) {
  const std::string path = protocol::OwnBindingKey(key);
  std::optional<std::string> text = keys.Read(path);
  if (!text) {
    setting.error.clear();
    return;
  }
  std::optional<T> parsed = parse(*text);
  if (!parsed) {
    setting.error = "refused " + path + " = '" + *text + "' published by the host";
    return;
  }
  setting.value = std::move(parsed);
  setting.error.clear();
}

}  // namespace

PairingSettings::PairingSettings(std::function<std::unique_ptr<HomeKeys>()> open)
    : open_(std::move(open)) {}

bool PairingSettings::Refresh() {
  if (!open_) {
    return false;
  }
  try {
    if (!keys_) {
      keys_ = open_();
    }
    const std::string generation_key = protocol::OwnBindingKey(protocol::kGenerationKey);
    std::optional<std::string> generation = keys_->Read(generation_key);
    connection_error_.clear();
    if (generation == generation_) {
      return false;
    }
    // The hook writes generation with the settings in one transaction: reading it again after
    // them tells whether they all belong to it.
    for (int attempt = 0; attempt < 3; ++attempt) {
      Take(*keys_, protocol::kMemoryIntervalKey, protocol::ParseMemoryInterval, interval_);
      Take(*keys_, protocol::kMemoryRegionsKey, protocol::ParseMemoryRegions, regions_);
      Take(*keys_, protocol::kStorageSourceKey, protocol::ParseStorageSource, source_);
      std::optional<std::string> after = keys_->Read(generation_key);
      if (after == generation) {
        break;
      }
      generation = after;
    }
    generation_ = generation;
    return true;
  } catch (const std::exception& error) {
    keys_.reset();
    connection_error_ = std::string("reading the host's settings: ") + error.what();
    return false;
  }
}

}  // namespace virdomm::monitor
