// Whole-range positional reads, through the page cache or past it (O_DIRECT).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace virdomm::monitor {

// Turns on O_DIRECT for a block device's descriptor and returns the alignment its reads then
// need (the logical block size); 0 if the device refuses it (reads stay cached). A guest's disk
// seen from Domain M is written behind this kernel's back, so a check must read the disk, not
// pages an earlier check cached; and cached pages are memory Domain M writes on every check,
// which a live migration of Domain M must copy again and again.
size_t ReadPastPageCache(int block_device_fd);

// The alignment O_DIRECT reads of `fd` need, 0 if it is not open with O_DIRECT.
size_t DirectReadAlignment(int fd);

// Reads `size` bytes at `offset`, fewer only where the file ends; retries EINTR. With
// `alignment` (see above), requests that are not aligned go through an aligned bounce buffer.
// Returns the bytes read, or -1 with errno set.
ssize_t ReadRange(int fd, std::uint64_t offset, void* buffer, size_t size, size_t alignment);

}  // namespace virdomm::monitor
