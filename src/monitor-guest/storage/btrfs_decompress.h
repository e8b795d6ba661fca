// Decompression of btrfs compressed extents (zlib, LZO in btrfs's per-sector framing, zstd)
// into a caller's buffer of the extent's decoded size; never writes past it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.h"

namespace virdomm::monitor::btrfs {

class DecompressError : public Error {
 public:
  using Error::Error;
};

// The file extent item's `compression` byte.
inline constexpr std::uint8_t kCompressNone = 0;
inline constexpr std::uint8_t kCompressZlib = 1;
inline constexpr std::uint8_t kCompressLzo = 2;
inline constexpr std::uint8_t kCompressZstd = 3;

// The most a compressed extent decodes to, and the most it occupies on disk (the kernel's
// BTRFS_MAX_UNCOMPRESSED and BTRFS_MAX_COMPRESSED, both 128 KiB).
inline constexpr size_t kMaxDecodedExtent = size_t{128} * 1024;
inline constexpr size_t kMaxEncodedExtent = size_t{128} * 1024;

// Decodes `input` into `output`; returns the bytes produced (fewer than output.size() when the
// stream ends early; the caller treats the rest as zeros, as the kernel does). Throws
// DecompressError for a corrupt stream or an unknown method. `sector_size` frames LZO.
size_t Decompress(std::uint8_t method, std::span<const std::uint8_t> input,
                  std::span<std::uint8_t> output, std::uint32_t sector_size);

}  // namespace virdomm::monitor::btrfs
