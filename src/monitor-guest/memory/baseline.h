// The per-boot baseline: a copy of the running kernel's text and rodata, where it was found,
// admin acknowledgements, and its signed file form (HMAC-SHA256 over the whole file).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/utc_time.h"
#include "core/digest.h"
#include "memory/guest_memory.h"
#include "memory/kernel_locator.h"
#include "memory/kernel_model.h"

namespace virdomm::monitor {

struct BaselineRegion {
  std::string name;
  uint64_t start = 0;  // link-time address
  std::vector<uint8_t> bytes;
  [[nodiscard]] uint64_t End() const { return start + bytes.size(); }
};

struct Acknowledgement {
  std::string time;      // UTC, ISO 8601
  std::string kind;      // classification accepted, e.g. "kprobe"
  uint64_t address = 0;  // link-time address
  uint64_t length = 0;
  std::string location;  // symbol+offset
};

struct KernelBaseline {
  std::string banner;
  std::string release;
  uint64_t text_physical = 0;
  std::optional<int64_t> virtual_offset;
  uint64_t text_link = 0;
  std::string created;  // UTC, ISO 8601
  // The bytes are the running kernel's as first seen (trust on first use): only this many of
  // its text pages were byte-identical to the trusted image when it was taken (relocations,
  // alternatives and ftrace NOPs change the rest). 0 of 0 in files from before it was recorded.
  std::size_t text_pages = 0;
  std::size_t text_pages_equal_image = 0;
  std::vector<BaselineRegion> regions;
  std::vector<Acknowledgement> acknowledgements;

  [[nodiscard]] Digest ContentDigest() const;  // SHA-256 over all region bytes in order
  [[nodiscard]] uint64_t Bytes() const;
};

// Copies every region of the located kernel; throws Error if a frame cannot be read.
KernelBaseline TakeBaseline(GuestMemory& memory, const KernelModel& model,
                            const KernelPlacement& placement);

// Serialised form (header lines, region bytes, then the 32-byte HMAC of all that precedes).
std::vector<uint8_t> SerializeBaseline(const KernelBaseline& baseline,
                                       std::span<const uint8_t> key);
// Verifies the MAC before parsing anything; throws BaselineError on a bad MAC or malformed file.
KernelBaseline ParseBaseline(std::span<const uint8_t> file, std::span<const uint8_t> key);

// Written atomically and durably with mode 0600 (common/durable_file.h).
void SaveBaseline(const std::filesystem::path& path, const KernelBaseline& baseline,
                  std::span<const uint8_t> key);
KernelBaseline LoadBaseline(const std::filesystem::path& path, std::span<const uint8_t> key);

}  // namespace virdomm::monitor
