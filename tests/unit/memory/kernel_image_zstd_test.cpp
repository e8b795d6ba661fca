// A bzImage whose payload is zstd-compressed, as Debian 13 builds its kernels
// (CONFIG_KERNEL_ZSTD: one `zstd -22 --ultra` frame followed by the 4-byte decompressed size),
// made here from a small ELF-headed blob: the payload is found and decoded, and truncated,
// corrupt or oversized payloads are refused with the reason.
#include <gtest/gtest.h>
#include <zstd.h>

#include <cstring>
#include <string>

#include "common/error.h"
#include "memory/kernel_image_file.h"

namespace virdomm::monitor {
namespace {

// An "ELF" of `size` bytes: the magic, then a pattern zstd can compress.
std::vector<uint8_t> FakeVmlinux(std::size_t size) {
  std::vector<uint8_t> elf(size);
  for (std::size_t i = 0; i < size; ++i) {
    elf[i] = static_cast<uint8_t>((i * 7) ^ (i >> 9));
  }
  std::memcpy(elf.data(),
              "\x7f"
              "ELF",
              4);
  return elf;
}

std::vector<uint8_t> ZstdFrame(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> frame(ZSTD_compressBound(data.size()));
  std::size_t n = ZSTD_compress(frame.data(), frame.size(), data.data(), data.size(), 19);
  EXPECT_EQ(ZSTD_isError(n), 0U);
  frame.resize(n);
  return frame;
}

void PutLe32(std::vector<uint8_t>& bytes, std::size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    bytes[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

// A bzImage of boot protocol 2.15: setup sectors, the "HdrS" header, the payload fields, then
// the payload in the protected-mode part, with the kernel's trailing size after it.
std::vector<uint8_t> BzImage(std::vector<uint8_t> payload, uint32_t trailing_size) {
  constexpr std::size_t kSetupSects = 4;
  constexpr std::size_t kPayloadOffset = 0x100;
  const std::size_t protected_mode = (kSetupSects + 1) * 512;
  std::vector<uint8_t> image(protected_mode + kPayloadOffset);
  image[0x1f1] = kSetupSects;
  std::memcpy(image.data() + 0x202, "HdrS", 4);
  image[0x206] = 0x0f;  // protocol 2.15
  image[0x207] = 0x02;
  payload.resize(payload.size() + 4);
  PutLe32(payload, payload.size() - 4, trailing_size);
  PutLe32(image, 0x248, kPayloadOffset);
  PutLe32(image, 0x24c, static_cast<uint32_t>(payload.size()));
  image.insert(image.end(), payload.begin(), payload.end());
  image.resize(image.size() + 512);  // the bzImage's trailing part
  return image;
}

TEST(KernelImageZstdTest, DecodesTheOneFrameBeforeTheTrailingSize) {
  std::vector<uint8_t> elf = FakeVmlinux(std::size_t{3} << 20);
  std::vector<uint8_t> image = BzImage(ZstdFrame(elf), static_cast<uint32_t>(elf.size()));
  VmlinuxBytes out = ExtractVmlinux(image);
  EXPECT_EQ(out.origin, "bzImage payload (zstd)");
  EXPECT_EQ(out.bytes, elf);
}

TEST(KernelImageZstdTest, GrowsTheOutputBeyondItsFirstBuffer) {
  // Larger than the 80 MiB first buffer.
  std::vector<uint8_t> elf = FakeVmlinux(std::size_t{90} << 20);
  VmlinuxBytes out = ExtractVmlinux(BzImage(ZstdFrame(elf), 0));
  EXPECT_EQ(out.bytes.size(), elf.size());
  EXPECT_EQ(out.bytes, elf);
}

TEST(KernelImageZstdTest, TruncatedOrCorruptPayloadsAreRefused) {
  std::vector<uint8_t> elf = FakeVmlinux(std::size_t{1} << 20);
  std::vector<uint8_t> frame = ZstdFrame(elf);
  for (std::size_t keep : {std::size_t{4}, std::size_t{12}, frame.size() / 2, frame.size() - 1}) {
    std::vector<uint8_t> cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(keep));
    try {
      ExtractVmlinux(BzImage(cut, 0));
      ADD_FAILURE() << "a frame cut to " << keep << " bytes was accepted";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("zstd"), std::string::npos) << error.what();
    }
  }
  std::vector<uint8_t> flipped = frame;
  for (std::size_t i = 16; i < flipped.size(); i += 97) {
    flipped[i] ^= 0x5a;
  }
  EXPECT_THROW(ExtractVmlinux(BzImage(flipped, 0)), Error);
}

TEST(KernelImageZstdTest, AnOversizedKernelIsRefused) {
  std::vector<uint8_t> elf = FakeVmlinux(std::size_t{2} << 20);
  try {
    ExtractVmlinux(BzImage(ZstdFrame(elf), 0), std::size_t{1} << 20);
    ADD_FAILURE() << "a kernel over the limit was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("exceeds 1 MiB"), std::string::npos) << error.what();
  }
}

TEST(KernelImageZstdTest, AZstdPayloadThatIsNoElfIsRefused) {
  std::vector<uint8_t> data(4096, 0x41);
  try {
    ExtractVmlinux(BzImage(ZstdFrame(data), 0));
    ADD_FAILURE() << "a payload without ELF magic was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("not an ELF vmlinux"), std::string::npos)
        << error.what();
  }
}

TEST(KernelImageZstdTest, AnUnknownCompressionIsNamed) {
  std::vector<uint8_t> gzip = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0};
  try {
    ExtractVmlinux(BzImage(gzip, 0));
    ADD_FAILURE() << "a gzip payload was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("neither xz- nor zstd-compressed"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace virdomm::monitor
