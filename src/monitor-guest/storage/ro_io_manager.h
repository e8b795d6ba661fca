// A libext2fs I/O manager that reads one byte range of an already open descriptor and refuses
// every write, so libext2fs can never modify the image, whatever code path it takes.
#pragma once

#include <ext2fs/ext2fs.h>

#include <cstdint>
#include <string>

namespace virdomm::monitor {

io_manager ReadOnlyIoManager();

// The "device name" to pass to ext2fs_open2 with ReadOnlyIoManager(): the channel reads bytes
// [offset, offset+length) of `fd`; the caller keeps `fd` open until the filesystem is closed.
std::string ReadOnlyChannelName(int fd, std::uint64_t offset, std::uint64_t length);

}  // namespace virdomm::monitor
