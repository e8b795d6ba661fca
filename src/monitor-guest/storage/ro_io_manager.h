// A libext2fs I/O manager that reads one byte range of an already open descriptor and refuses
// every write, so libext2fs can never modify the image, whatever code path it takes.
#pragma once

#include <ext2fs/ext2fs.h>

#include <cstdint>
#include <string>

#include "storage/block_overlay.h"
#include "storage/volume_map.h"

namespace virdomm::monitor {

io_manager ReadOnlyIoManager();

// The "device name" to pass to ext2fs_open2 with ReadOnlyIoManager(): the channel reads bytes
// [offset, offset+length) of `fd`; the caller keeps `fd` open until the filesystem is closed.
// With `overlay` (its offsets are those of `fd`), reads return its bytes where it has some; the
// caller keeps it alive and unchanged while the channel is open. The I/O manager interface
// passes nothing but this name to the channel, so the overlay's address travels inside it.
// With `map` (a logical volume of several pieces; its Length() must equal `length`), the
// channel reads volume byte v at the image byte the map gives and ignores `offset`; the caller
// keeps the map alive while the channel is open, as for the overlay.
std::string ReadOnlyChannelName(int fd, std::uint64_t offset, std::uint64_t length,
                                const BlockOverlay* overlay = nullptr,
                                const VolumeMap* map = nullptr);

}  // namespace virdomm::monitor
