// The settings keys' value forms: what the hook writes parses back, and what it never writes
// is refused (Domain M reports it and keeps its previous value).
#include "common/protocol/monitor_settings.h"

#include <gtest/gtest.h>

namespace virdomm::protocol {
namespace {

TEST(MonitorSettings, IntervalIsDecimalWithinThePairingsBounds) {
  EXPECT_EQ(ParseMemoryInterval(FormatMemoryInterval(1000)), 1000U);
  EXPECT_EQ(ParseMemoryInterval("10"), 10U);
  EXPECT_EQ(ParseMemoryInterval("86400000"), 86'400'000U);
  for (const char* text : {"", "9", "86400001", "-5", "1000ms", " 1000", "1e3", "0x10"}) {
    EXPECT_FALSE(ParseMemoryInterval(text)) << text;
  }
}

TEST(MonitorSettings, RegionsAreKnownNamesEachOnce) {
  MonitorSettings defaults;
  EXPECT_EQ(FormatMemoryRegions(defaults.memory_regions), "kernel-text kernel-rodata");
  EXPECT_EQ(ParseMemoryRegions("kernel-text kernel-rodata"), defaults.memory_regions);
  EXPECT_EQ(ParseMemoryRegions("kernel-rodata"), std::vector<std::string>{"kernel-rodata"});
  for (const char* text : {"", " ", "kernel-text ", " kernel-text", "kernel-text  kernel-rodata",
                           "kernel-text kernel-text", "kernel-data", "KERNEL-TEXT"}) {
    EXPECT_FALSE(ParseMemoryRegions(text)) << "'" << text << "'";
  }
}

TEST(MonitorSettings, StorageSourceIsAnAbsolutePathOrNone) {
  EXPECT_EQ(ParseStorageSource("/srv/domu/web1.img"), "/srv/domu/web1.img");
  EXPECT_EQ(ParseStorageSource(""), "");
  EXPECT_FALSE(ParseStorageSource("web1.img"));
  EXPECT_FALSE(ParseStorageSource("/a\nb"));
  EXPECT_FALSE(ParseStorageSource(std::string_view("/a\0b", 4)));
}

}  // namespace
}  // namespace virdomm::protocol
