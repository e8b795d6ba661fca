// SHA-256 and HMAC-SHA256 through OpenSSL EVP, each context owned by an RAII handle.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "common/unique_handle.h"

namespace virdomm::monitor {

using Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void Update(std::span<const uint8_t> bytes);
  Digest Finish();

 private:
  UniqueHandle<EVP_MD_CTX, EVP_MD_CTX_free> context_;
};

class HmacSha256 {
 public:
  explicit HmacSha256(std::span<const uint8_t> key);
  void Update(std::span<const uint8_t> bytes);
  Digest Finish();

 private:
  UniqueHandle<EVP_MAC, EVP_MAC_free> mac_;
  UniqueHandle<EVP_MAC_CTX, EVP_MAC_CTX_free> context_;
};

Digest Sha256Of(std::span<const uint8_t> bytes);
// Constant-time equality, for comparing MACs.
bool DigestsEqual(const Digest& a, const Digest& b);

// Reads a signing key file (at least 16 bytes, at most 4 KiB); throws Error otherwise.
std::vector<uint8_t> LoadKeyFile(const std::filesystem::path& path);

}  // namespace virdomm::monitor
