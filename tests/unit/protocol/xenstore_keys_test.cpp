#include "common/protocol/xenstore_keys.h"

#include <gtest/gtest.h>

namespace virdomm::protocol {
namespace {

TEST(XenstoreKeys, PathsUnderDomainMsHome) {
  EXPECT_EQ(DomainHome(7), "/local/domain/7");
  EXPECT_EQ(BindingDirectoryPath(7), "/local/domain/7/virdomm");
  EXPECT_EQ(BindingKeyPath(7, kTargetDomidKey), "/local/domain/7/virdomm/target-domid");
  EXPECT_EQ(BindingKeyPath(7, kTargetUuidKey), "/local/domain/7/virdomm/target-uuid");
  EXPECT_EQ(BindingKeyPath(7, kStateKey), "/local/domain/7/virdomm/state");
  EXPECT_EQ(BindingKeyPath(7, kGenerationKey), "/local/domain/7/virdomm/generation");
  EXPECT_EQ(XenTargetPath(7), "/local/domain/7/target");
  EXPECT_EQ(MappingsPath(7), "/local/domain/7/data/virdomm-mappings");
}

TEST(XenstoreKeys, DomainMReadsItsOwnKeysRelativeToItsHome) {
  EXPECT_EQ(OwnBindingKey(kStateKey), "virdomm/state");
  EXPECT_EQ(DomainHome(7) + "/" + OwnBindingKey(kGenerationKey), BindingKeyPath(7, kGenerationKey));
}

}  // namespace
}  // namespace virdomm::protocol
