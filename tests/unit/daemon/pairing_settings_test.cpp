// The settings the host publishes, as the daemon reads them: re-read on a new generation only,
// garbage refused with the earlier value kept, absent keys leaving the configuration's.
#include "daemon/pairing_settings.h"

#include <gtest/gtest.h>

#include "memory_xenstore.h"

namespace virdomm::monitor {
namespace {

const std::string kHome = "/local/domain/7/virdomm/";

class PairingSettingsTest : public ::testing::Test {
 protected:
  void Publish(const std::string& generation, const std::string& interval,
               const std::string& regions, const std::string& source) {
    store.nodes[kHome + "generation"] = {generation, 0};
    store.nodes[kHome + "memory-interval-ms"] = {interval, 0};
    store.nodes[kHome + "memory-regions"] = {regions, 0};
    store.nodes[kHome + "storage-source"] = {source, 0};
  }
  testing::MemoryXenstore store;
  int opens = 0;
  PairingSettings settings{[this]() -> std::unique_ptr<HomeKeys> {
    ++opens;
    return std::make_unique<testing::GuestView>(store, 7);
  }};
};

TEST_F(PairingSettingsTest, NothingPublishedLeavesEveryValueToTheConfiguration) {
  EXPECT_FALSE(settings.Refresh());  // no generation yet
  EXPECT_FALSE(settings.MemoryInterval().value);
  EXPECT_FALSE(settings.MemoryRegions().value);
  EXPECT_FALSE(settings.StorageSource().value);
  EXPECT_EQ(settings.ConnectionError(), "");
}

TEST_F(PairingSettingsTest, ReadsThemOnEachNewGeneration) {
  Publish("1", "250", "kernel-rodata", "/srv/nfs/web1.img");
  EXPECT_TRUE(settings.Refresh());
  EXPECT_EQ(settings.MemoryInterval().value, 250U);
  EXPECT_EQ(settings.MemoryRegions().value, std::vector<std::string>{"kernel-rodata"});
  EXPECT_EQ(settings.StorageSource().value, "/srv/nfs/web1.img");
  store.nodes[kHome + "memory-interval-ms"] = {"500", 0};
  EXPECT_FALSE(settings.Refresh());  // same generation: not read again
  EXPECT_EQ(settings.MemoryInterval().value, 250U);
  store.nodes[kHome + "generation"] = {"2", 0};
  EXPECT_TRUE(settings.Refresh());
  EXPECT_EQ(settings.MemoryInterval().value, 500U);
}

TEST_F(PairingSettingsTest, GarbageIsAnErrorAndTheEarlierValueStays) {
  Publish("1", "250", "kernel-text", "/img");
  EXPECT_TRUE(settings.Refresh());
  Publish("2", "soon", "kernel-text kernel-text", "relative.img");
  EXPECT_TRUE(settings.Refresh());
  EXPECT_EQ(settings.MemoryInterval().value, 250U);
  EXPECT_EQ(settings.MemoryInterval().error,
            "refused virdomm/memory-interval-ms = 'soon' published by the host");
  EXPECT_EQ(settings.MemoryRegions().value, std::vector<std::string>{"kernel-text"});
  EXPECT_NE(settings.MemoryRegions().error, "");
  EXPECT_EQ(settings.StorageSource().value, "/img");
  EXPECT_EQ(settings.StorageSource().error,
            "refused virdomm/storage-source = 'relative.img' published by the host");
  Publish("3", "100", "kernel-text", "");
  EXPECT_TRUE(settings.Refresh());
  EXPECT_EQ(settings.MemoryInterval().value, 100U);
  EXPECT_EQ(settings.MemoryInterval().error, "");
  EXPECT_EQ(settings.StorageSource().value, "");  // the pairing has no <storage>
}

TEST_F(PairingSettingsTest, AXenstoreThatCannotBeOpenedIsRetried) {
  PairingSettings broken{[this]() -> std::unique_ptr<HomeKeys> {
    if (++opens == 1) {
      throw std::runtime_error("xenstore open: No such file or directory");
    }
    return std::make_unique<testing::GuestView>(store, 7);
  }};
  Publish("1", "250", "kernel-text", "/img");
  EXPECT_FALSE(broken.Refresh());
  EXPECT_EQ(broken.ConnectionError(),
            "reading the host's settings: xenstore open: No such file or directory");
  EXPECT_TRUE(broken.Refresh());
  EXPECT_EQ(broken.ConnectionError(), "");
  EXPECT_EQ(broken.MemoryInterval().value, 250U);
}

TEST(PairingSettings, WithoutAHostNothingIsRead) {
  PairingSettings none{nullptr};
  EXPECT_FALSE(none.Refresh());
  EXPECT_FALSE(none.MemoryInterval().value);
}

}  // namespace
}  // namespace virdomm::monitor
