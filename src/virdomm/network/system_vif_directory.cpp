// The host's side of VifDirectory: sysfs and dom0's xenstore.
#include "network/system_vif_directory.h"

#include <charconv>
#include <filesystem>
#include <system_error>

#include "common/error.h"
#include "common/xenstore/xenstore_calls.h"

namespace virdomm {

namespace {

std::optional<int> ParseDevid(std::string_view text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::vector<std::string> SystemVifDirectory::DeviceNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net", ec)) {
    names.push_back(entry.path().filename().string());
  }
  if (ec) {
    throw Error("listing /sys/class/net: " + ec.message());
  }
  return names;
}

std::vector<std::pair<int, std::string>> SystemVifDirectory::BackendMacs(protocol::DomId domid) {
  XenstoreHandle xs = OpenXenstore("vif backends");
  const std::string dir = "/local/domain/0/backend/vif/" + std::to_string(domid);
  std::vector<std::pair<int, std::string>> macs;
  for (const std::string& entry : ListXenstoreDirectory(xs.get(), dir)) {
    auto devid = ParseDevid(entry);
    if (!devid) {
      continue;
    }
    std::string key = dir;
    key += "/" + entry + "/mac";
    if (auto mac = ReadXenstoreKey(xs.get(), key)) {
      macs.emplace_back(*devid, *mac);
    }
  }
  return macs;
}

}  // namespace virdomm
