// bzImage header → payload → liblzma or libzstd stream decoder, bounded in input and output
// size.
#include "memory/kernel_image_file.h"

#include <lzma.h>
#include <zstd.h>

#include <cstring>
#include <fstream>
#include <memory>

#include "common/error.h"
#include "memory/byte_reader.h"

namespace virdomm::monitor {
namespace {

// Offsets in the x86 boot protocol's setup header (Documentation/x86/boot.rst).
constexpr uint64_t kSetupSectsOffset = 0x1f1;
constexpr uint64_t kHeaderMagicOffset = 0x202;
constexpr uint64_t kProtocolVersionOffset = 0x206;
constexpr uint64_t kPayloadOffsetOffset = 0x248;
constexpr uint64_t kPayloadLengthOffset = 0x24c;
constexpr uint16_t kMinProtocolWithPayload = 0x0208;

bool IsElf(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(),
                                          "\x7f"
                                          "ELF",
                                          4) == 0;
}

// The next size of a growing output buffer, or an error once `max_output` is reached.
std::size_t GrownSize(std::size_t used, std::size_t max_output, const char* codec) {
  if (used >= max_output) {
    throw Error(std::string(codec) + ": decompressed kernel exceeds " +
                std::to_string(max_output >> 20) + " MiB; refusing it");
  }
  return std::min(max_output, used * 2);
}

std::vector<uint8_t> DecompressXz(std::span<const uint8_t> input, std::size_t max_output) {
  lzma_stream stream = LZMA_STREAM_INIT;
  // 256 MiB dictionary limit: the kernel's own xz payloads use at most a few MiB.
  if (lzma_stream_decoder(&stream, uint64_t{256} << 20, 0) != LZMA_OK) {
    throw Error("xz: cannot initialise the decoder");
  }
  struct StreamEnd {
    lzma_stream* stream;
    ~StreamEnd() { lzma_end(stream); }
  } guard{&stream};
  std::vector<uint8_t> output(std::min<std::size_t>(max_output, std::size_t{80} << 20));
  stream.next_in = input.data();
  stream.avail_in = input.size();
  stream.next_out = output.data();
  stream.avail_out = output.size();
  while (true) {
    lzma_ret ret = lzma_code(&stream, LZMA_FINISH);
    if (ret == LZMA_STREAM_END) {
      break;
    }
    if (ret == LZMA_OK && stream.avail_out == 0) {
      std::size_t used = output.size();
      output.resize(GrownSize(used, max_output, "xz"));
      stream.next_out = output.data() + used;
      stream.avail_out = output.size() - used;
      continue;
    }
    if (ret == LZMA_OK || ret == LZMA_BUF_ERROR) {
      throw Error("xz: compressed kernel payload is truncated");
    }
    throw Error("xz: corrupt compressed kernel payload (liblzma error " + std::to_string(ret) +
                ")");
  }
  output.resize(stream.total_out);
  return output;
}

std::vector<uint8_t> DecompressZstd(std::span<const uint8_t> input, std::size_t max_output) {
  // The kernel's build appends the decompressed size (4 bytes) after the one zstd frame: decode
  // that frame only.
  std::size_t frame = ZSTD_findFrameCompressedSize(input.data(), input.size());
  if (ZSTD_isError(frame) != 0U) {
    throw Error(std::string("zstd: corrupt or truncated compressed kernel payload (") +
                ZSTD_getErrorName(frame) + ")");
  }
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!context) {
    throw Error("zstd: cannot initialise the decoder");
  }
  // The kernel compresses with `zstd -22 --ultra`: a window of 2^27 bytes at most.
  constexpr int kMaxWindowLog = 27;
  ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax, kMaxWindowLog);
  std::vector<uint8_t> output(std::min<std::size_t>(max_output, std::size_t{80} << 20));
  ZSTD_inBuffer in{input.data(), frame, 0};
  ZSTD_outBuffer out{output.data(), output.size(), 0};
  while (true) {
    std::size_t ret = ZSTD_decompressStream(context.get(), &out, &in);
    if (ZSTD_isError(ret) != 0U) {
      throw Error(std::string("zstd: corrupt compressed kernel payload (") +
                  ZSTD_getErrorName(ret) + ")");
    }
    if (ret == 0) {
      break;  // the frame is decoded and flushed
    }
    if (out.pos == out.size) {
      output.resize(GrownSize(output.size(), max_output, "zstd"));
      out.dst = output.data();
      out.size = output.size();
    } else if (in.pos == in.size) {
      throw Error("zstd: compressed kernel payload is truncated");
    }
  }
  output.resize(out.pos);
  return output;
}

bool StartsWith(std::span<const uint8_t> bytes, std::span<const uint8_t> magic) {
  return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

}  // namespace

VmlinuxBytes ExtractVmlinux(std::span<const uint8_t> file_bytes, std::size_t max_output) {
  if (IsElf(file_bytes)) {
    return {std::vector<uint8_t>(file_bytes.begin(), file_bytes.end()), "ELF file"};
  }
  uint32_t magic = 0;
  if (!TryReadLe(file_bytes, kHeaderMagicOffset, magic) ||
      std::memcmp(file_bytes.data() + kHeaderMagicOffset, "HdrS", 4) != 0) {
    throw Error("kernel image: neither an ELF vmlinux nor a bzImage (no 'HdrS' setup header)");
  }
  auto version = ReadLe<uint16_t>(file_bytes, kProtocolVersionOffset, "boot protocol version");
  if (version < kMinProtocolWithPayload) {
    throw Error("kernel image: boot protocol " + std::to_string(version >> 8) + "." +
                std::to_string(version & 0xff) + " has no payload fields (need 2.08+)");
  }
  uint64_t setup_sects = ReadLe<uint8_t>(file_bytes, kSetupSectsOffset, "setup_sects");
  if (setup_sects == 0) {
    setup_sects = 4;  // boot protocol: 0 means 4
  }
  uint64_t protected_mode_start = (setup_sects + 1) * 512;
  uint64_t payload_offset =
      protected_mode_start + ReadLe<uint32_t>(file_bytes, kPayloadOffsetOffset, "payload_offset");
  uint64_t payload_length = ReadLe<uint32_t>(file_bytes, kPayloadLengthOffset, "payload_length");
  if (!RangeFits(payload_offset, payload_length, file_bytes.size())) {
    throw Error("kernel image: compressed payload (offset " + std::to_string(payload_offset) +
                ", " + std::to_string(payload_length) + " bytes) lies beyond the file: truncated?");
  }
  auto payload = file_bytes.subspan(payload_offset, payload_length);
  // Debian 12 builds its kernels with CONFIG_KERNEL_XZ, Debian 13 with CONFIG_KERNEL_ZSTD.
  static constexpr uint8_t kXzMagic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
  static constexpr uint8_t kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};
  std::vector<uint8_t> vmlinux;
  std::string origin;
  if (StartsWith(payload, kXzMagic)) {
    vmlinux = DecompressXz(payload, max_output);
    origin = "bzImage payload (xz)";
  } else if (StartsWith(payload, kZstdMagic)) {
    vmlinux = DecompressZstd(payload, max_output);
    origin = "bzImage payload (zstd)";
  } else {
    throw Error(
        "kernel image: payload is neither xz- nor zstd-compressed (CONFIG_KERNEL_XZ and "
        "CONFIG_KERNEL_ZSTD are supported; pass the vmlinux ELF instead)");
  }
  if (!IsElf(vmlinux)) {
    throw Error("kernel image: decompressed payload is not an ELF vmlinux");
  }
  return {std::move(vmlinux), std::move(origin)};
}

std::vector<uint8_t> ReadWholeFile(const std::filesystem::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ThrowErrno("open " + path.string());
  }
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::streamoff>(in.tellg());
  if (size < 0) {
    throw Error("cannot determine the size of " + path.string());
  }
  if (static_cast<uint64_t>(size) > max_bytes) {
    throw Error(path.string() + " is larger than " + std::to_string(max_bytes >> 20) +
                " MiB; refusing it");
  }
  in.seekg(0);
  std::vector<uint8_t> bytes(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw Error("read " + path.string() + ": short read");
  }
  return bytes;
}

VmlinuxBytes LoadVmlinux(const std::filesystem::path& path) {
  std::vector<uint8_t> file = ReadWholeFile(path, std::size_t{1} << 30);
  try {
    return ExtractVmlinux(file);
  } catch (const Error& error) {
    throw Error(path.string() + ": " + error.what());
  }
}

}  // namespace virdomm::monitor
