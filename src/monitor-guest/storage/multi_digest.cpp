// OpenSSL EVP digests for file contents.
#include "storage/multi_digest.h"

#include "common/error.h"

namespace virdomm::monitor {
namespace {

constexpr std::array<const char*, kDigestAlgorithmCount> kOpenSslNames = {"SHA256", "SHA512",
                                                                          "BLAKE2B-512"};

}  // namespace

DigestSuite::DigestSuite() {
  for (size_t i = 0; i < kDigestAlgorithmCount; ++i) {
    mds_[i].reset(EVP_MD_fetch(nullptr, kOpenSslNames[i], nullptr));
    if (!mds_[i]) throw Error(std::string("OpenSSL has no ") + kOpenSslNames[i] + " digest");
  }
}

MultiDigest::MultiDigest(const DigestSuite& suite) : suite_(suite) {
  for (auto& context : contexts_) {
    context.reset(EVP_MD_CTX_new());
    if (!context) throw Error("EVP_MD_CTX_new: out of memory");
  }
}

void MultiDigest::Begin(AttributeSet wanted) {
  for (size_t i = 0; i < kDigestAlgorithmCount; ++i) {
    auto algorithm = static_cast<DigestAlgorithm>(i);
    active_[i] = (wanted & Bit(DigestAttribute(algorithm))) != 0;
    if (active_[i] && EVP_DigestInit_ex2(contexts_[i].get(), suite_.Get(algorithm), nullptr) != 1) {
      throw Error("EVP_DigestInit_ex2 failed for " + std::string(ToString(algorithm)));
    }
  }
}

void MultiDigest::Update(const void* data, size_t size) {
  for (size_t i = 0; i < kDigestAlgorithmCount; ++i) {
    if (active_[i] && EVP_DigestUpdate(contexts_[i].get(), data, size) != 1) {
      throw Error("EVP_DigestUpdate failed");
    }
  }
}

void MultiDigest::UpdateZeros(std::uint64_t size) {
  static const std::array<unsigned char, 65536> kZeros{};
  while (size > 0) {
    size_t chunk = size < kZeros.size() ? static_cast<size_t>(size) : kZeros.size();
    Update(kZeros.data(), chunk);
    size -= chunk;
  }
}

void MultiDigest::Finish(std::array<std::string, kDigestAlgorithmCount>& out) {
  for (size_t i = 0; i < kDigestAlgorithmCount; ++i) {
    if (!active_[i]) continue;
    unsigned char buffer[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(contexts_[i].get(), buffer, &length) != 1) {
      throw Error("EVP_DigestFinal_ex failed");
    }
    out[i].assign(reinterpret_cast<const char*>(buffer), length);
    active_[i] = false;
  }
}

}  // namespace virdomm::monitor
