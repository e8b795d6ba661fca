// Volume-to-image translation for logical volumes made of pieces: reads across seams, segment
// splitting, and refusal of malformed piece lists.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "common/error.h"
#include "storage/volume_map.h"

namespace virdomm::monitor {
namespace {

// An "image" whose byte i is i % 251, so every offset is recognisable.
size_t PatternRead(std::uint64_t offset, void* buffer, size_t size) {
  auto* out = static_cast<unsigned char*>(buffer);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<unsigned char>((offset + i) % 251);
  return size;
}

TEST(VolumeMap, ReadsAcrossSeams) {
  // Volume bytes [0,100) are image [1000,1100), [100,150) are image [5000,5050).
  VolumeMap map({{0, 1000, 100}, {100, 5000, 50}});
  EXPECT_EQ(map.Length(), 150U);
  unsigned char buffer[60];
  ASSERT_EQ(map.Read(PatternRead, 80, buffer, sizeof buffer), 60U);
  EXPECT_EQ(buffer[0], (1000 + 80) % 251);
  EXPECT_EQ(buffer[19], (1000 + 99) % 251);
  EXPECT_EQ(buffer[20], 5000 % 251);
  EXPECT_EQ(buffer[59], (5000 + 39) % 251);
  EXPECT_EQ(map.Read(PatternRead, 140, buffer, sizeof buffer), 10U);  // short at the end
  EXPECT_EQ(map.Read(PatternRead, 150, buffer, sizeof buffer), 0U);
}

TEST(VolumeMap, SplitsSegmentsAtSeams) {
  VolumeMap map({{0, 1000, 100}, {100, 5000, 50}});
  std::vector<Segment> out;
  map.AppendImageSegments(Segment{4096, 90, 30}, out);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].logical, 4096U);
  EXPECT_EQ(out[0].physical, 1090U);
  EXPECT_EQ(out[0].length, 10U);
  EXPECT_EQ(out[1].logical, 4106U);
  EXPECT_EQ(out[1].physical, 5000U);
  EXPECT_EQ(out[1].length, 20U);
  EXPECT_THROW(map.AppendImageSegments(Segment{0, 140, 20}, out), Error);
}

TEST(VolumeMap, RefusesGapsAndEmptyPieces) {
  EXPECT_THROW(VolumeMap({{0, 0, 10}, {11, 100, 10}}), Error);
  EXPECT_THROW(VolumeMap({{0, 0, 0}}), Error);
  EXPECT_THROW(VolumeMap({{0, ~std::uint64_t{0} - 4, 10}}), Error);
  EXPECT_EQ(VolumeMap::Contiguous(7, 0).Length(), 0U);
}

}  // namespace
}  // namespace virdomm::monitor
