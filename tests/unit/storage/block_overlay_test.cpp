// The overlay of replayed blocks: patches copy exactly the bytes that overlap a read.
#include "storage/block_overlay.h"

#include <gtest/gtest.h>

#include <string>

namespace virdomm::monitor {
namespace {

TEST(BlockOverlay, PatchesExactlyTheOverlappingBytes) {
  BlockOverlay overlay;
  overlay.Add(1000, std::string(100, 'a'));
  overlay.Add(1100, std::string(100, 'b'));
  overlay.Add(5000, std::string(10, 'c'));
  std::string buffer(300, '.');
  overlay.Patch(950, buffer.data(), buffer.size());  // bytes 950..1249
  EXPECT_EQ(buffer, std::string(50, '.') + std::string(100, 'a') + std::string(100, 'b') +
                        std::string(50, '.'));
  std::string middle(10, '.');
  overlay.Patch(1095, middle.data(), middle.size());
  EXPECT_EQ(middle, "aaaaabbbbb");
  std::string none(10, '.');
  overlay.Patch(5010, none.data(), none.size());
  EXPECT_EQ(none, std::string(10, '.'));
  overlay.Erase(0, 2000);
  std::string after(10, '.');
  overlay.Patch(1000, after.data(), after.size());
  EXPECT_EQ(after, std::string(10, '.'));
  EXPECT_FALSE(overlay.Empty());
}

}  // namespace
}  // namespace virdomm::monitor
