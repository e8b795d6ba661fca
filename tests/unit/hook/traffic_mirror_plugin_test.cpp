// The hook's traffic mirror comes from a plugin: one that cannot be loaded is an Error that
// names it and says why (the executor logs it as a warning and the pair still binds).
#include "traffic_mirror_plugin.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/error.h"

namespace virdomm {
namespace {

TEST(TrafficMirrorPlugin, AMissingPluginIsAnErrorNamingItAndWhy) {
  try {
    LoadTrafficMirrorPlugin("/nonexistent/virdomm-hook-network.so");
    FAIL() << "a missing plugin loaded";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/nonexistent/virdomm-hook-network.so"), std::string::npos) << what;
    EXPECT_NE(what.find("No such file"), std::string::npos) << what;
  }
}

TEST(TrafficMirrorPlugin, ALibraryWithoutTheEntryPointIsRefused) {
  try {
    LoadTrafficMirrorPlugin("libc.so.6");
    FAIL() << "libc was taken for the traffic mirror";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("virdomm_open_traffic_mirror"), std::string::npos)
        << e.what();
  }
}

TEST(TrafficMirrorPlugin, TheEnvironmentNamesAnotherPlugin) {
  ASSERT_EQ(setenv("VIRDOMM_HOOK_NETWORK_PLUGIN", "/tmp/other.so", 1), 0);
  EXPECT_EQ(TrafficMirrorPluginPath(), "/tmp/other.so");
  ASSERT_EQ(unsetenv("VIRDOMM_HOOK_NETWORK_PLUGIN"), 0);
  EXPECT_NE(TrafficMirrorPluginPath().find("/virdomm/virdomm-hook-network.so"), std::string::npos);
}

}  // namespace
}  // namespace virdomm
