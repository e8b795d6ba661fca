// monitor.conf: what each key sets, the defaults that follow the state directory, and errors
// that name the line.
#include "daemon/daemon_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace virdomm::monitor {
namespace {

const ConfigDefaults kDefaults{"/etc/virdomm", "/var/lib/virdomm"};

DaemonConfig Parse(const std::string& text) {
  return ParseDaemonConfig(text, "monitor.conf", kDefaults);
}

std::string ErrorOf(const std::string& text) {
  try {
    (void)Parse(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(DaemonConfig, ReadsEveryMonitorsKeys) {
  DaemonConfig c = Parse(
      "# Domain M of web1\n"
      "monitors = memory storage network\n"
      "\n"
      "state-dir = /tmp/state\n"
      "  memory.kernel = /boot/vmlinuz  \n"
      "memory.interval-ms = 2000\n"
      "memory.regions = kernel-text\n"
      "memory.restart-on-new-target = no\n"
      "storage.image = /dev/xvdb\n"
      "storage.interval-ms = 5000\n"
      "network.interface = eth0\n");
  EXPECT_TRUE(c.memory && c.storage && c.network);
  EXPECT_EQ(c.state_dir, "/tmp/state");
  EXPECT_EQ(c.alert_spool, "/tmp/state/alerts");
  EXPECT_EQ(c.memory_config.kernel, "/boot/vmlinuz");
  EXPECT_EQ(c.memory_config.interval_ms, 2000U);
  EXPECT_EQ(c.memory_config.regions, std::vector<std::string>{"kernel-text"});
  EXPECT_FALSE(c.memory_config.restart_on_new_target);
  EXPECT_FALSE(c.memory_config.domid);  // the bound target
  EXPECT_EQ(c.storage_config.image, "/dev/xvdb");
  EXPECT_EQ(c.storage_config.interval_ms, 5000U);
  EXPECT_EQ(c.network_config.interface, "eth0");
  EXPECT_EQ(c.network_config.config, "/etc/virdomm/virdomm-suricata.yaml");
  EXPECT_EQ(c.network_config.log_dir, "/tmp/state/network");
}

TEST(DaemonConfig, DefaultsAreTheInstalledDirectories) {
  DaemonConfig c = Parse("monitors = storage\n");
  EXPECT_EQ(c.state_dir, "/var/lib/virdomm");
  EXPECT_EQ(c.alert_spool, "/var/lib/virdomm/alerts");
  EXPECT_EQ(c.storage_config.interval_ms, 900'000U);
  EXPECT_FALSE(c.memory || c.network);
}

TEST(DaemonConfig, ErrorsNameTheLine) {
  EXPECT_EQ(ErrorOf("monitors = storage\nstorage.intervals = 5\n"),
            "monitor.conf:2: unknown key 'storage.intervals'");
  EXPECT_EQ(ErrorOf("monitors = storage\n\nstorage.image /dev/xvdb\n"),
            "monitor.conf:3: expected 'key = value', got 'storage.image /dev/xvdb'");
  EXPECT_EQ(ErrorOf("monitors = storage\nmonitors = memory\n"),
            "monitor.conf:2: 'monitors' is set twice");
  EXPECT_EQ(ErrorOf("monitors = storage\nstorage.interval-ms = 5s\n"),
            "monitor.conf:2: storage.interval-ms: expected a whole number from 10 to 86400000, "
            "got '5s'");
  EXPECT_EQ(ErrorOf("monitors = disk\n"),
            "monitor.conf:1: monitors: unknown monitor 'disk' (memory, storage, network)");
  EXPECT_EQ(ErrorOf("monitors = storage\nstorage.image = xvdb\n"),
            "monitor.conf:2: storage.image: expected an absolute path, got 'xvdb'");
  EXPECT_EQ(ErrorOf("monitors = memory\nmemory.regions = kernel-data\n"),
            "monitor.conf:2: memory.regions: expected kernel-text, kernel-rodata or both, one "
            "space apart, got 'kernel-data'");
  EXPECT_EQ(ErrorOf("monitors = storage\nstate-dir =\n"),
            "monitor.conf:2: 'state-dir' has no value");
}

TEST(DaemonConfig, WhatAMonitorNeedsIsRequired) {
  EXPECT_EQ(ErrorOf("# nothing\n"),
            "monitor.conf: no monitor enabled (monitors = memory storage network, any of them)");
  EXPECT_EQ(ErrorOf("monitors = memory\n"),
            "monitor.conf: the memory monitor needs memory.kernel (the image DomU boots)");
  EXPECT_EQ(ErrorOf("monitors = network\n"),
            "monitor.conf: the network monitor needs network.interface (the mirror NIC)");
  EXPECT_EQ(ErrorOf("monitors = memory\nmemory.kernel = /k\nmemory.file = /m\nmemory.domain = 7\n"),
            "monitor.conf: memory.file and memory.domain name two memory sources; give one");
}

// The monitor.conf the packages install parses, and names every key (set or commented out).
TEST(DaemonConfig, TheShippedFileParsesAndDocumentsEveryKey) {
  DaemonConfig c = LoadDaemonConfig(VIRDOMM_SHIPPED_MONITOR_CONF, kDefaults);
  EXPECT_TRUE(c.memory && c.storage);
  EXPECT_TRUE(c.pairing_settings);
  std::ifstream in(VIRDOMM_SHIPPED_MONITOR_CONF);
  std::stringstream text;
  text << in.rdbuf();
  for (const std::string& key : DaemonConfigKeys()) {
    std::regex line("(^|\n)#?" + std::regex_replace(key, std::regex("\\."), "\\.") + " = ");
    EXPECT_TRUE(std::regex_search(text.str(), line)) << key;
  }
}

}  // namespace
}  // namespace virdomm::monitor
