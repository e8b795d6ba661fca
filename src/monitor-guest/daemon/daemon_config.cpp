#include "daemon/daemon_config.h"

#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/protocol/monitor_settings.h"
#include "memory/memory_layout.h"

namespace virdomm::monitor {
namespace {

std::string_view Trim(std::string_view text) {
  const std::string_view blanks = " \t\r";
  std::size_t first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

std::uint64_t Number(std::string_view value, std::uint64_t min, std::uint64_t max) {
  std::uint64_t number = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || ptr != value.data() + value.size() || number < min || number > max) {
    throw ConfigError("expected a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", got '" + std::string(value) + "'");
  }
  return number;
}

std::uint32_t IntervalMs(std::string_view value) {
  return static_cast<std::uint32_t>(
      Number(value, protocol::kMinMemoryIntervalMs, protocol::kMaxMemoryIntervalMs));
}

bool YesNo(std::string_view value) {
  if (value == "yes") {
    return true;
  }
  if (value == "no") {
    return false;
  }
  throw ConfigError("expected yes or no, got '" + std::string(value) + "'");
}

std::filesystem::path Path(std::string_view value) {
  if (value.front() != '/') {
    throw ConfigError("expected an absolute path, got '" + std::string(value) + "'");
  }
  return std::filesystem::path(value);
}

using Setter = std::function<void(DaemonConfig&, std::string_view)>;

// Every key and what it sets; the shipped monitor.conf documents the same list.
const std::map<std::string, Setter, std::less<>>& Keys() {
  static const std::map<std::string, Setter, std::less<>> keys = {
      {"monitors",
       [](DaemonConfig& c, std::string_view v) {
         std::istringstream words{std::string(v)};
         for (std::string word; words >> word;) {
           bool& on =
               word == "memory"    ? c.memory
               : word == "storage" ? c.storage
               : word == "network"
                   ? c.network
                   : throw ConfigError("unknown monitor '" + word + "' (memory, storage, network)");
           if (on) {
             throw ConfigError("monitor '" + word + "' named twice");
           }
           on = true;
         }
       }},
      {"pairing-settings",
       [](DaemonConfig& c, std::string_view v) {
         if (v != "xenstore" && v != "none") {
           throw ConfigError("expected xenstore or none, got '" + std::string(v) + "'");
         }
         c.pairing_settings = v == "xenstore";
       }},
      {"state-dir", [](DaemonConfig& c, std::string_view v) { c.state_dir = Path(v); }},
      {"alert-spool", [](DaemonConfig& c, std::string_view v) { c.alert_spool = Path(v); }},
      {"memory.kernel",
       [](DaemonConfig& c, std::string_view v) { c.memory_config.kernel = Path(v); }},
      {"memory.system-map",
       [](DaemonConfig& c, std::string_view v) { c.memory_config.system_map = Path(v); }},
      {"memory.symbols-elf",
       [](DaemonConfig& c, std::string_view v) { c.memory_config.symbols_elf = Path(v); }},
      {"memory.domain",
       [](DaemonConfig& c, std::string_view v) {
         c.memory_config.domid =
             v == "target"
                 ? std::nullopt
                 : std::optional<std::uint32_t>(static_cast<std::uint32_t>(Number(v, 1, 0x7FEF)));
       }},
      {"memory.file", [](DaemonConfig& c, std::string_view v) { c.memory_config.file = Path(v); }},
      {"memory.layout",
       [](DaemonConfig& c, std::string_view v) {
         try {
           (void)ParseLayoutSpec(v);
         } catch (const std::exception& error) {
           throw ConfigError(error.what());
         }
         c.memory_config.layout = std::string(v);
       }},
      {"memory.restart-on-new-target",
       [](DaemonConfig& c, std::string_view v) {
         c.memory_config.restart_on_new_target = YesNo(v);
       }},
      {"memory.interval-ms",
       [](DaemonConfig& c, std::string_view v) { c.memory_config.interval_ms = IntervalMs(v); }},
      {"memory.regions",
       [](DaemonConfig& c, std::string_view v) {
         auto regions = protocol::ParseMemoryRegions(v);
         if (!regions) {
           throw ConfigError("expected kernel-text, kernel-rodata or both, one space apart, got '" +
                             std::string(v) + "'");
         }
         c.memory_config.regions = *regions;
       }},
      {"memory.settle-ms",
       [](DaemonConfig& c, std::string_view v) {
         c.memory_config.settle_ms = static_cast<std::uint32_t>(Number(v, 0, 86'400'000));
       }},
      {"storage.image",
       [](DaemonConfig& c, std::string_view v) { c.storage_config.image = Path(v); }},
      {"storage.rules",
       [](DaemonConfig& c, std::string_view v) { c.storage_config.rules = Path(v); }},
      {"storage.interval-ms",
       [](DaemonConfig& c, std::string_view v) { c.storage_config.interval_ms = IntervalMs(v); }},
      {"network.interface",
       [](DaemonConfig& c, std::string_view v) { c.network_config.interface = std::string(v); }},
      {"network.suricata",
       [](DaemonConfig& c, std::string_view v) { c.network_config.suricata = Path(v); }},
      {"network.config",
       [](DaemonConfig& c, std::string_view v) { c.network_config.config = Path(v); }},
      {"network.rules",
       [](DaemonConfig& c, std::string_view v) { c.network_config.rules = Path(v); }},
      {"network.log-dir",
       [](DaemonConfig& c, std::string_view v) { c.network_config.log_dir = Path(v); }},
      {"network.interval-ms",
       [](DaemonConfig& c, std::string_view v) { c.network_config.interval_ms = IntervalMs(v); }},
      {"network.max-restarts",
       [](DaemonConfig& c, std::string_view v) {
         c.network_config.max_restarts = static_cast<unsigned>(Number(v, 1, 1000));
       }},
      {"network.restart-window-s",
       [](DaemonConfig& c, std::string_view v) {
         c.network_config.restart_window_s = static_cast<unsigned>(Number(v, 1, 86400));
       }},
  };
  return keys;
}

// What needs the whole file: defaults that follow other keys, and required keys.
void Complete(DaemonConfig& c, const std::string& origin, const ConfigDefaults& defaults) {
  auto fail = [&](const std::string& message) { throw ConfigError(origin + ": " + message); };
  if (!c.memory && !c.storage && !c.network) {
    fail("no monitor enabled (monitors = memory storage network, any of them)");
  }
  if (c.state_dir.empty()) {
    c.state_dir = defaults.state_dir;
  }
  if (c.alert_spool.empty()) {
    c.alert_spool = c.state_dir / "alerts";
  }
  if (c.memory && c.memory_config.kernel.empty()) {
    fail("the memory monitor needs memory.kernel (the image DomU boots)");
  }
  if (c.memory_config.file && c.memory_config.domid) {
    fail("memory.file and memory.domain name two memory sources; give one");
  }
  if (c.network && c.network_config.interface.empty()) {
    fail("the network monitor needs network.interface (the mirror NIC)");
  }
  NetworkConfig& n = c.network_config;
  if (n.config.empty()) {
    n.config = defaults.config_dir / "virdomm-suricata.yaml";
  }
  if (n.rules.empty()) {
    n.rules = defaults.config_dir / "virdomm.rules";
  }
  if (n.log_dir.empty()) {
    n.log_dir = c.state_dir / "network";
  }
}

}  // namespace

DaemonConfig ParseDaemonConfig(std::string_view text, const std::string& origin,
                               const ConfigDefaults& defaults) {
  DaemonConfig config;
  std::set<std::string, std::less<>> seen;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t newline = text.find('\n');
    std::string_view line = Trim(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const std::string where = origin + ":" + std::to_string(number) + ": ";
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      throw ConfigError(where + "expected 'key = value', got '" + std::string(line) + "'");
    }
    std::string_view key = Trim(line.substr(0, equals));
    std::string_view value = Trim(line.substr(equals + 1));
    auto setter = Keys().find(key);
    if (setter == Keys().end()) {
      throw ConfigError(where + "unknown key '" + std::string(key) + "'");
    }
    if (!seen.insert(std::string(key)).second) {
      throw ConfigError(where + "'" + std::string(key) + "' is set twice");
    }
    if (value.empty()) {
      throw ConfigError(where + "'" + std::string(key) + "' has no value");
    }
    try {
      setter->second(config, value);
    } catch (const ConfigError& error) {
      throw ConfigError(where + std::string(key) + ": " + error.what());
    }
  }
  Complete(config, origin, defaults);
  return config;
}

std::vector<std::string> DaemonConfigKeys() {
  std::vector<std::string> keys;
  for (const auto& [key, setter] : Keys()) {
    keys.push_back(key);
  }
  return keys;
}

DaemonConfig LoadDaemonConfig(const std::filesystem::path& path, const ConfigDefaults& defaults) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("cannot read " + path.string());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseDaemonConfig(text.str(), path.string(), defaults);
}

}  // namespace virdomm::monitor
