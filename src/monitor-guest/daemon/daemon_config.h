// The configuration of `domm-monitor run` (/etc/virdomm/monitor.conf): `key = value` lines,
// `#` comment lines and blank lines; every key at most once, unknown keys and bad values are
// errors that name the line. The file shipped in daemon/system/ documents every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace virdomm::monitor {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MemoryConfig {
  std::filesystem::path kernel;  // the image DomU boots (required)
  std::optional<std::filesystem::path> system_map;
  std::optional<std::filesystem::path> symbols_elf;
  // The memory source: Xen domain `domid`, nullopt for the DomU the host's hook bound this
  // Domain M to ("target"), or a memory file (`file`, `layout`) instead of Xen.
  std::optional<std::uint32_t> domid;
  std::optional<std::filesystem::path> file;
  std::string layout = "q35";
  bool restart_on_new_target = true;
  // Until the host publishes the pairing's values (which then win).
  std::uint32_t interval_ms = 1000;
  std::vector<std::string> regions = {"kernel-text", "kernel-rodata"};
  std::uint32_t settle_ms = 30000;
};

struct StorageConfig {
  // DomU's disk image as this domain sees it, until the host publishes the pairing's
  // <storage source> (which then wins). Empty: only the pairing's.
  std::filesystem::path image;
  std::optional<std::filesystem::path> rules;  // nullopt: the built-in rules
  std::uint32_t interval_ms = 900'000;
};

struct NetworkConfig {
  std::string interface;  // the mirror NIC (required)
  std::filesystem::path suricata = "/usr/bin/suricata";
  std::filesystem::path config;   // default <config dir>/virdomm-suricata.yaml
  std::filesystem::path rules;    // default <config dir>/virdomm.rules
  std::filesystem::path log_dir;  // default <state dir>/network
  // How often the supervisor reads Suricata's output and eve.json.
  std::uint32_t interval_ms = 250;
  unsigned max_restarts = 5;
  unsigned restart_window_s = 300;
};

struct DaemonConfig {
  bool memory = false;
  bool storage = false;
  bool network = false;
  std::filesystem::path state_dir;    // keys and baselines
  std::filesystem::path alert_spool;  // default <state dir>/alerts
  // Whether the host's hook publishes the pairing's settings into this domain's xenstore
  // home (`pairing-settings = xenstore`, the default) or there is no such host (`none`: a
  // test, a memory file): then the configuration alone counts.
  bool pairing_settings = true;
  MemoryConfig memory_config;
  StorageConfig storage_config;
  NetworkConfig network_config;
};

// Where the defaults point: the installed configuration and state directories.
struct ConfigDefaults {
  std::filesystem::path config_dir;
  std::filesystem::path state_dir;
};

// `origin` names the text in errors ("monitor.conf:12: ..."). Throws ConfigError.
DaemonConfig ParseDaemonConfig(std::string_view text, const std::string& origin,
                               const ConfigDefaults& defaults);
DaemonConfig LoadDaemonConfig(const std::filesystem::path& path, const ConfigDefaults& defaults);

// Every key the file may set, sorted.
std::vector<std::string> DaemonConfigKeys();

}  // namespace virdomm::monitor
