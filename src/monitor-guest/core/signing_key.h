// The key file that signs the storage and memory baselines (HMAC-SHA256): one loader with one
// set of checks, and one generator.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/error.h"

namespace virdomm::monitor {

// A signed baseline (storage or memory) was refused: tampered with, truncated, signed with
// another key, or malformed.
class BaselineError : public Error {
 public:
  using Error::Error;
};

inline constexpr std::size_t kMinKeyBytes = 16;
inline constexpr std::size_t kMaxKeyBytes = 4096;
inline constexpr std::size_t kGeneratedKeyBytes = 32;

// Reads a key file's raw bytes. Refused (Error naming the path and what to do): a file that
// cannot be opened or read, that is not a regular file, that grants group or others any access
// (anyone who reads the key can sign a baseline; the mode must be 0600 or 0400), or that holds
// fewer than 16 or more than 4096 bytes.
std::vector<uint8_t> LoadKeyFile(const std::filesystem::path& path);

// Writes 32 random bytes with mode 0600, durably (see common/durable_file.h); refuses to
// replace an existing file, so a key in use is never lost.
void GenerateKeyFile(const std::filesystem::path& path);

}  // namespace virdomm::monitor
