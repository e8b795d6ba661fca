// zlib and zstd streams are the libraries' own formats; LZO is btrfs's framing: a 4-byte total
// length, then per segment a 4-byte length and an LZO1X block of at most one sector's output.
// A segment header never straddles a sector: fewer than 4 bytes left in a sector are padding.
#include "storage/btrfs_decompress.h"

#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace virdomm::monitor::btrfs {
namespace {

std::uint32_t Le32At(std::span<const std::uint8_t> b, size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) |
         (static_cast<std::uint32_t>(b[at + 3]) << 24);
}

size_t InflateZlib(std::span<const std::uint8_t> input, std::span<std::uint8_t> output) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) throw DecompressError("zlib: cannot initialise");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&stream, inflateEnd);
  stream.next_in = const_cast<Bytef*>(input.data());  // zlib's API is not const-correct
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = output.data();
  stream.avail_out = static_cast<uInt>(output.size());
  while (stream.avail_out > 0) {
    int rc = inflate(&stream, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // input ended early
    if (rc != Z_OK) {
      throw DecompressError(std::string("zlib: ") + (stream.msg != nullptr ? stream.msg : "error"));
    }
  }
  return output.size() - stream.avail_out;
}

size_t DecodeZstd(std::span<const std::uint8_t> input, std::span<std::uint8_t> output) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!context) throw DecompressError("zstd: cannot initialise");
  // The kernel writes frames with at most a 128 KiB window for these extents; refuse larger
  // windows so a hostile frame cannot make the decoder allocate much.
  ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax, 17);
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  ZSTD_outBuffer out{output.data(), output.size(), 0};
  while (out.pos < out.size && in.pos < in.size) {
    size_t rc = ZSTD_decompressStream(context.get(), &out, &in);
    if (ZSTD_isError(rc) != 0) throw DecompressError(std::string("zstd: ") + ZSTD_getErrorName(rc));
    if (rc == 0) break;  // frame complete
  }
  return out.pos;
}

size_t DecodeLzo(std::span<const std::uint8_t> input, std::span<std::uint8_t> output,
                 std::uint32_t sector_size) {
  static_cast<void>(lzo_init());
  if (input.size() < 4) throw DecompressError("lzo: stream shorter than its header");
  size_t total = Le32At(input, 0);
  if (total < 4 || total > input.size()) {
    throw DecompressError("lzo: total length " + std::to_string(total) + " outside the extent");
  }
  std::vector<std::uint8_t> sector(sector_size);
  size_t at = 4;
  size_t produced = 0;
  while (at < total && produced < output.size()) {
    size_t left_in_sector = sector_size - at % sector_size;
    if (left_in_sector < 4) {
      at += left_in_sector;
      continue;
    }
    if (total - at < 4) throw DecompressError("lzo: truncated segment header");
    size_t segment = Le32At(input, at);
    at += 4;
    if (segment == 0 || segment > total - at) {
      throw DecompressError("lzo: segment of " + std::to_string(segment) + " bytes overruns");
    }
    // Each segment decodes to at most one sector; decode into a sector buffer so the last,
    // partly wanted sector never writes past `output`.
    lzo_uint length = sector_size;
    int rc = lzo1x_decompress_safe(input.data() + at, segment, sector.data(), &length, nullptr);
    if (rc != LZO_E_OK) {
      throw DecompressError("lzo: corrupt segment (error " + std::to_string(rc) + ")");
    }
    length = std::min<size_t>(length, output.size() - produced);
    std::copy_n(sector.begin(), length, output.begin() + static_cast<std::ptrdiff_t>(produced));
    produced += length;
    at += segment;
  }
  return produced;
}

}  // namespace

size_t Decompress(std::uint8_t method, std::span<const std::uint8_t> input,
                  std::span<std::uint8_t> output, std::uint32_t sector_size) {
  switch (method) {
    case kCompressZlib:
      return InflateZlib(input, output);
    case kCompressLzo:
      if (sector_size < 4096 || sector_size > 65536) throw DecompressError("lzo: bad sector size");
      return DecodeLzo(input, output, sector_size);
    case kCompressZstd:
      return DecodeZstd(input, output);
    default:
      throw DecompressError("unknown compression method " + std::to_string(method));
  }
}

}  // namespace virdomm::monitor::btrfs
