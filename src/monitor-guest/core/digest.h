// SHA-256, HMAC-SHA256 and random bytes through OpenSSL, one RAII owner per context: the one
// digest and signing layer of the monitor (baselines, the alert gate, btrfs checksums, keys).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "common/unique_handle.h"

namespace virdomm::monitor {

using Digest = std::array<uint8_t, 32>;

// Streaming SHA-256 (EVP_Digest*).
class Sha256 {
 public:
  Sha256();
  void Update(std::span<const uint8_t> bytes);
  void Update(std::string_view bytes);
  Digest Finish();

 private:
  UniqueHandle<EVP_MD_CTX, EVP_MD_CTX_free> context_;
};

// Streaming HMAC-SHA256 (EVP_MAC "HMAC" with digest SHA256).
class HmacSha256 {
 public:
  explicit HmacSha256(std::span<const uint8_t> key);
  void Update(std::span<const uint8_t> bytes);
  void Update(std::string_view bytes);
  Digest Finish();

 private:
  UniqueHandle<EVP_MAC, EVP_MAC_free> mac_;
  UniqueHandle<EVP_MAC_CTX, EVP_MAC_CTX_free> context_;
};

Digest Sha256Of(std::span<const uint8_t> bytes);
// Lower-case hex of the SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// Constant-time equality, for comparing MACs.
bool DigestsEqual(const Digest& a, const Digest& b);

// Fills `bytes` from OpenSSL's CSPRNG; throws Error naming `purpose` when it cannot.
void RandomBytes(std::span<uint8_t> bytes, const std::string& purpose);

}  // namespace virdomm::monitor
