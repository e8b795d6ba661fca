// Turns a kernel file into the bytes of its ELF vmlinux: a bzImage (vmlinuz) whose payload is
// xz- (Debian 12) or zstd-compressed (Debian 13), or a vmlinux ELF as is (e.g. the -dbg
// package's).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace virdomm::monitor {

struct VmlinuxBytes {
  std::vector<uint8_t> bytes;
  std::string origin;  // "bzImage payload (xz)", "bzImage payload (zstd)" or "ELF file"
};

// Upper bound on a decompressed vmlinux; a larger one is treated as hostile input.
inline constexpr std::size_t kMaxVmlinuxBytes = std::size_t{512} << 20;

// Extracts vmlinux from bzImage bytes or passes an ELF through; throws Error with the reason.
VmlinuxBytes ExtractVmlinux(std::span<const uint8_t> file_bytes,
                            std::size_t max_output = kMaxVmlinuxBytes);

// Reads `path` (at most 1 GiB) and extracts vmlinux from it.
VmlinuxBytes LoadVmlinux(const std::filesystem::path& path);

// Reads a whole file, refusing files larger than `max_bytes`.
std::vector<uint8_t> ReadWholeFile(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace virdomm::monitor
