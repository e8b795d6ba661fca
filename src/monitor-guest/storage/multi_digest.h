// Content digests of files (SHA-256, SHA-512, BLAKE2b-512 at once) through OpenSSL EVP, the
// implementations fetched once and shared by the hashing workers; signing and single SHA-256
// digests are core/digest.h.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "common/unique_handle.h"
#include "storage/file_record.h"

namespace virdomm::monitor {

using EvpMdPtr = UniqueHandle<EVP_MD, EVP_MD_free>;
using EvpMdCtxPtr = UniqueHandle<EVP_MD_CTX, EVP_MD_CTX_free>;

// The OpenSSL implementations of every algorithm, fetched once and shared by all workers.
class DigestSuite {
 public:
  DigestSuite();
  [[nodiscard]] const EVP_MD* Get(DigestAlgorithm algorithm) const {
    return mds_[static_cast<size_t>(algorithm)].get();
  }

 private:
  std::array<EvpMdPtr, kDigestAlgorithmCount> mds_;
};

// Computes the selected digests of one byte stream at a time; reusable across files.
class MultiDigest {
 public:
  explicit MultiDigest(const DigestSuite& suite);
  void Begin(AttributeSet wanted);
  void Update(const void* data, size_t size);
  void UpdateZeros(std::uint64_t size);  // a hole in a sparse file reads as zeros
  // Stores the digests into record.digests for every wanted algorithm.
  void Finish(std::array<std::string, kDigestAlgorithmCount>& out);

 private:
  const DigestSuite& suite_;
  std::array<EvpMdCtxPtr, kDigestAlgorithmCount> contexts_;
  std::array<bool, kDigestAlgorithmCount> active_{};
};

}  // namespace virdomm::monitor
