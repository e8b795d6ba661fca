// The read-only libext2fs I/O manager: reads stay inside their byte range and see the overlay,
// writes are refused.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "common/unique_handle.h"
#include "storage/ro_io_manager.h"

namespace virdomm::monitor {
namespace {

class ReadOnlyIoManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fd_ = UniqueFd(memfd_create("ro-io-test", MFD_CLOEXEC));
    ASSERT_TRUE(fd_.Valid());
    std::string bytes(8192, '\0');
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i / 1024);
    ASSERT_EQ(write(fd_.Get(), bytes.data(), bytes.size()), 8192);
  }
  UniqueFd fd_;
};

TEST_F(ReadOnlyIoManagerTest, ReadsInsideTheRangeOnly) {
  io_channel channel = nullptr;
  std::string name = ReadOnlyChannelName(fd_.Get(), 2048, 4096);  // bytes 2048..6143
  ASSERT_EQ(ReadOnlyIoManager()->open(name.c_str(), 0, &channel), 0);
  ASSERT_EQ(io_channel_set_blksize(channel, 1024), 0);
  char block[1024];
  ASSERT_EQ(io_channel_read_blk64(channel, 1, 1, block), 0);
  EXPECT_EQ(block[0], 3);  // image byte 3072
  EXPECT_EQ(io_channel_read_blk64(channel, 3, 1, block), 0);
  EXPECT_EQ(block[0], 5);
  EXPECT_EQ(io_channel_read_blk64(channel, 4, 1, block), EXT2_ET_SHORT_READ);  // past the end
  EXPECT_EQ(block[0], 0);
  EXPECT_NE(io_channel_read_blk64(channel, ~0ULL / 2, 1, block), 0);
  EXPECT_EQ(io_channel_close(channel), 0);
}

TEST_F(ReadOnlyIoManagerTest, OverlayBytesReplaceTheImagesInsideTheRange) {
  BlockOverlay overlay;  // image offsets: block 1 of the channel is image bytes 3072..4095
  overlay.Add(3072 + 10, std::string(4, 'J'));
  overlay.Add(8000, std::string(100, 'X'));  // outside the channel's range: never served
  io_channel channel = nullptr;
  std::string name = ReadOnlyChannelName(fd_.Get(), 2048, 4096, &overlay);
  ASSERT_EQ(ReadOnlyIoManager()->open(name.c_str(), 0, &channel), 0);
  ASSERT_EQ(io_channel_set_blksize(channel, 1024), 0);
  char block[1024];
  ASSERT_EQ(io_channel_read_blk64(channel, 1, 1, block), 0);
  EXPECT_EQ(std::string(block + 8, 8), std::string("\3\3JJJJ\3\3", 8));
  EXPECT_EQ(io_channel_close(channel), 0);
  std::string bad = ReadOnlyChannelName(fd_.Get(), 0, 8192) + ":nonsense";
  EXPECT_EQ(ReadOnlyIoManager()->open(bad.c_str(), 0, &channel), EXT2_ET_BAD_DEVICE_NAME);
}

TEST_F(ReadOnlyIoManagerTest, RefusesEveryWrite) {
  io_channel channel = nullptr;
  std::string name = ReadOnlyChannelName(fd_.Get(), 0, 8192);
  EXPECT_EQ(ReadOnlyIoManager()->open(name.c_str(), IO_FLAG_RW, &channel), EROFS);
  ASSERT_EQ(ReadOnlyIoManager()->open(name.c_str(), 0, &channel), 0);
  char block[1024] = {1};
  EXPECT_EQ(io_channel_write_blk64(channel, 0, 1, block), EROFS);
  EXPECT_EQ(io_channel_write_blk(channel, 0, 1, block), EROFS);
  EXPECT_EQ(io_channel_write_byte(channel, 0, 1, block), EROFS);
  EXPECT_EQ(io_channel_discard(channel, 0, 1), EROFS);
  char check = 0;
  ASSERT_EQ(pread(fd_.Get(), &check, 1, 0), 1);
  EXPECT_EQ(check, 0);
  EXPECT_EQ(io_channel_close(channel), 0);
  EXPECT_NE(ReadOnlyIoManager()->open("/dev/sda", 0, &channel), 0);  // only ro-fd: names
}

}  // namespace
}  // namespace virdomm::monitor
