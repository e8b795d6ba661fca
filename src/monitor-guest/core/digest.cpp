// EVP_Digest*/EVP_MAC*/RAND_bytes wrappers; errors name the OpenSSL call that failed.
#include "core/digest.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "common/error.h"
#include "common/hex.h"

namespace virdomm::monitor {
namespace {

// OpenSSL calls return 1 on success; anything else throws, naming the call.
void Check(bool succeeded, const char* call) {
  if (!succeeded) {
    throw Error(std::string("OpenSSL ") + call + " failed");
  }
}

std::span<const uint8_t> BytesOf(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  Check(context_ && EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) == 1,
        "EVP_DigestInit_ex(sha256)");
}

void Sha256::Update(std::span<const uint8_t> bytes) {
  Check(EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()) == 1, "EVP_DigestUpdate");
}

void Sha256::Update(std::string_view bytes) { Update(BytesOf(bytes)); }

Digest Sha256::Finish() {
  Digest digest{};
  unsigned int length = 0;
  Check(EVP_DigestFinal_ex(context_.get(), digest.data(), &length) == 1 && length == digest.size(),
        "EVP_DigestFinal_ex");
  return digest;
}

HmacSha256::HmacSha256(std::span<const uint8_t> key)
    : mac_(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr)) {
  Check(mac_ != nullptr, "EVP_MAC_fetch(HMAC)");
  context_.reset(EVP_MAC_CTX_new(mac_.get()));
  Check(context_ != nullptr, "EVP_MAC_CTX_new");
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  Check(EVP_MAC_init(context_.get(), key.data(), key.size(), params) == 1,
        "EVP_MAC_init(HMAC-SHA256)");
}

void HmacSha256::Update(std::span<const uint8_t> bytes) {
  Check(EVP_MAC_update(context_.get(), bytes.data(), bytes.size()) == 1, "EVP_MAC_update");
}

void HmacSha256::Update(std::string_view bytes) { Update(BytesOf(bytes)); }

Digest HmacSha256::Finish() {
  Digest digest{};
  std::size_t length = 0;
  Check(EVP_MAC_final(context_.get(), digest.data(), &length, digest.size()) == 1 &&
            length == digest.size(),
        "EVP_MAC_final");
  return digest;
}

Digest Sha256Of(std::span<const uint8_t> bytes) {
  Sha256 hasher;
  hasher.Update(bytes);
  return hasher.Finish();
}

std::string Sha256Hex(std::string_view bytes) { return HexEncode(Sha256Of(BytesOf(bytes))); }

bool DigestsEqual(const Digest& a, const Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void RandomBytes(std::span<uint8_t> bytes, const std::string& purpose) {
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw Error("no random bytes for " + purpose + " (OpenSSL RAND_bytes failed)");
  }
}

}  // namespace virdomm::monitor
