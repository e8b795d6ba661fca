// Read-only, bounds-checked libext2fs I/O channel over (fd, offset, length), or over the pieces
// of a logical volume.
#include "storage/ro_io_manager.h"

#include "storage/positional_read.h"

#include <ext2fs/ext2fs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace virdomm::monitor {
namespace {

struct ChannelData {
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  size_t direct_alignment = 0;            // the descriptor is read with O_DIRECT
  const BlockOverlay* overlay = nullptr;  // replayed journal blocks, or none
  const VolumeMap* map = nullptr;         // a logical volume's pieces, or one range at offset
};

// Reads `size` bytes at image byte `image_offset`, with the overlay applied; like pread.
ssize_t ReadImage(const ChannelData& data, std::uint64_t image_offset, void* out, size_t size) {
  ssize_t got = ReadRange(data.fd, image_offset, out, size, data.direct_alignment);
  if (got > 0 && data.overlay != nullptr) {
    data.overlay->Patch(image_offset, out, static_cast<size_t>(got));
  }
  return got;
}

ChannelData* Data(io_channel channel) { return static_cast<ChannelData*>(channel->private_data); }

errcode_t ReadBytes(io_channel channel, std::uint64_t byte_offset, size_t size, void* out) {
  ChannelData* data = Data(channel);
  if (byte_offset > data->length || size > data->length - byte_offset) {
    std::memset(out, 0, size);
    return EXT2_ET_SHORT_READ;  // past the end of the partition: never read a neighbour's bytes
  }
  ssize_t got = 0;
  if (data->map == nullptr) {
    got = ReadImage(*data, data->offset + byte_offset, out, size);
    if (got < 0) return errno;
  } else {
    // Piece by piece: a logical volume's segments lie apart in the image.
    for (const VolumePiece& piece : data->map->Pieces()) {
      std::uint64_t at = byte_offset + static_cast<std::uint64_t>(got);
      if (static_cast<size_t>(got) == size) break;
      if (at < piece.volume_offset || at >= piece.volume_offset + piece.length) continue;
      std::uint64_t inside = at - piece.volume_offset;
      auto take = static_cast<size_t>(
          std::min<std::uint64_t>(size - static_cast<size_t>(got), piece.length - inside));
      ssize_t part =
          ReadImage(*data, piece.image_offset + inside, static_cast<char*>(out) + got, take);
      if (part < 0) return errno;
      got += part;
      if (static_cast<size_t>(part) < take) break;
    }
  }
  if (static_cast<size_t>(got) < size) {
    std::memset(static_cast<char*>(out) + got, 0, size - static_cast<size_t>(got));
    return EXT2_ET_SHORT_READ;
  }
  return 0;
}

errcode_t ChannelRead64(io_channel channel, unsigned long long block, int count, void* out) {
  std::uint64_t size = count < 0 ? static_cast<std::uint64_t>(-static_cast<std::int64_t>(count))
                                 : static_cast<std::uint64_t>(count) * channel->block_size;
  if (channel->block_size <= 0 || block > UINT64_MAX / static_cast<unsigned>(channel->block_size)) {
    return EXT2_ET_LLSEEK_FAILED;
  }
  return ReadBytes(channel, block * static_cast<std::uint64_t>(channel->block_size),
                   static_cast<size_t>(size), out);
}

errcode_t ChannelRead(io_channel channel, unsigned long block, int count, void* out) {
  return ChannelRead64(channel, block, count, out);
}

errcode_t RefuseWrite(io_channel, unsigned long, int, const void*) { return EROFS; }
errcode_t RefuseWrite64(io_channel, unsigned long long, int, const void*) { return EROFS; }
errcode_t RefuseWriteByte(io_channel, unsigned long, int, const void*) { return EROFS; }
errcode_t RefuseDiscard(io_channel, unsigned long long, unsigned long long) { return EROFS; }
errcode_t NoFlush(io_channel) { return 0; }
errcode_t NoOption(io_channel, const char*, const char*) { return EXT2_ET_INVALID_ARGUMENT; }

errcode_t ChannelSetBlockSize(io_channel channel, int size) {
  if (size <= 0 || size > 65536) return EXT2_ET_INVALID_ARGUMENT;
  channel->block_size = size;
  return 0;
}

errcode_t ChannelClose(io_channel channel) {
  if (--channel->refcount > 0) return 0;
  // libext2fs owns the channel between open and close and hands it back here, so the C
  // allocations made in ChannelOpen are released by hand.
  delete Data(channel);      // NOLINT(cppcoreguidelines-owning-memory)
  std::free(channel->name);  // NOLINT(cppcoreguidelines-owning-memory)
  std::free(channel);        // NOLINT(cppcoreguidelines-owning-memory)
  return 0;
}

errcode_t ChannelOpen(const char* name, int flags, io_channel* out);

struct struct_io_manager MakeManager() {
  struct struct_io_manager manager {};
  manager.magic = EXT2_ET_MAGIC_IO_MANAGER;
  manager.name = "virdomm read-only I/O manager";
  manager.open = ChannelOpen;
  manager.close = ChannelClose;
  manager.set_blksize = ChannelSetBlockSize;
  manager.read_blk = ChannelRead;
  manager.write_blk = RefuseWrite;
  manager.flush = NoFlush;
  manager.write_byte = RefuseWriteByte;
  manager.set_option = NoOption;
  manager.read_blk64 = ChannelRead64;
  manager.write_blk64 = RefuseWrite64;
  manager.discard = RefuseDiscard;
  manager.zeroout = RefuseDiscard;
  return manager;
}

struct struct_io_manager kManager = MakeManager();  // a table of functions, never modified

errcode_t ChannelOpen(const char* name, int flags, io_channel* out) {
  if ((flags & IO_FLAG_RW) != 0) return EROFS;
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  int consumed = 0;
  if (name == nullptr || std::sscanf(name, "ro-fd:%d:%" SCNu64 ":%" SCNu64 "%n", &fd, &offset,
                                     &length, &consumed) != 3) {
    return EXT2_ET_BAD_DEVICE_NAME;
  }
  const BlockOverlay* overlay = nullptr;
  const VolumeMap* map = nullptr;
  while (name[consumed] != '\0') {
    std::uintptr_t address = 0;
    int more = 0;
    // The addresses this process wrote into the name (see the header).
    if (std::sscanf(name + consumed, ":overlay=%" SCNxPTR "%n", &address, &more) == 1 &&
        overlay == nullptr) {
      overlay =
          reinterpret_cast<const BlockOverlay*>(address);  // NOLINT(performance-no-int-to-ptr)
    } else if (std::sscanf(name + consumed, ":map=%" SCNxPTR "%n", &address, &more) == 1 &&
               map == nullptr) {
      map = reinterpret_cast<const VolumeMap*>(address);  // NOLINT(performance-no-int-to-ptr)
    } else {
      return EXT2_ET_BAD_DEVICE_NAME;
    }
    consumed += more;
  }
  if (map != nullptr && map->Length() != length) return EXT2_ET_BAD_DEVICE_NAME;
  // Handed to libext2fs, which frees it through ChannelClose: a C allocation by contract.
  auto* channel = static_cast<io_channel>(  // NOLINT(cppcoreguidelines-owning-memory)
      std::calloc(1, sizeof(struct struct_io_channel)));
  if (channel == nullptr) return EXT2_ET_NO_MEMORY;
  channel->magic = EXT2_ET_MAGIC_IO_CHANNEL;
  channel->manager = &kManager;
  channel->name = strdup(name);
  channel->block_size = 1024;
  channel->refcount = 1;
  channel->private_data =
      new ChannelData{fd, offset, length, DirectReadAlignment(fd), overlay, map};
  *out = channel;
  return 0;
}

}  // namespace

io_manager ReadOnlyIoManager() { return &kManager; }

std::string ReadOnlyChannelName(int fd, std::uint64_t offset, std::uint64_t length,
                                const BlockOverlay* overlay, const VolumeMap* map) {
  std::string name =
      "ro-fd:" + std::to_string(fd) + ":" + std::to_string(offset) + ":" + std::to_string(length);
  if (overlay != nullptr) {
    char address[32];
    (void)std::snprintf(address, sizeof address, ":overlay=%" PRIxPTR,
                        reinterpret_cast<std::uintptr_t>(overlay));  // see the header
    name += address;
  }
  if (map != nullptr) {
    char address[32];
    (void)std::snprintf(address, sizeof address, ":map=%" PRIxPTR,
                        reinterpret_cast<std::uintptr_t>(map));  // see the header
    name += address;
  }
  return name;
}

}  // namespace virdomm::monitor
