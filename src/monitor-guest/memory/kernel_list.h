// Walking a Linux `struct list_head` chain in guest memory: from the head's `next` (read by the
// caller, usually from the image's data) to the head again, at most `max_entries` entries. The
// entries themselves are anywhere in the kernel half (kmalloc'd), read through the page tables.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "memory/kernel_address_space.h"

namespace virdomm::monitor {

// Called with the address of each entry's embedded list_head; a returned reason ends the walk.
using ListVisitor = std::function<std::optional<std::string>(uint64_t node)>;

// nullopt when the list ended at `head`; otherwise why it could not be walked to its end.
std::optional<std::string> WalkKernelList(const KernelAddressSpace& space, uint64_t head,
                                          uint64_t head_next, std::size_t max_entries,
                                          const ListVisitor& visit);

// Reads a little-endian u64 or u32 at a kernel address; nullopt with `why` set when unreadable.
std::optional<uint64_t> ReadKernelU64(const KernelAddressSpace& space, uint64_t address,
                                      std::string& why);
std::optional<uint32_t> ReadKernelU32(const KernelAddressSpace& space, uint64_t address,
                                      std::string& why);

}  // namespace virdomm::monitor
