#include "core/signing_key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/durable_file.h"
#include "common/error.h"
#include "common/unique_handle.h"
#include "core/digest.h"

namespace virdomm::monitor {

std::vector<uint8_t> LoadKeyFile(const std::filesystem::path& path) {
  const std::string name = path.string();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.Valid()) {
    ThrowErrno("open key file " + name);
  }
  struct stat st {};
  if (::fstat(fd.Get(), &st) != 0) {
    ThrowErrno("stat key file " + name);
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error("key file " + name + " is not a regular file");
  }
  if ((st.st_mode & 077U) != 0) {
    std::array<char, 8> mode{};
    (void)std::snprintf(mode.data(), mode.size(), "%04o", st.st_mode & 07777U);
    throw Error("key file " + name + " has mode " + mode.data() +
                "; group and others must have no access to it (chmod 600 " + name + ")");
  }
  std::vector<uint8_t> key(kMaxKeyBytes + 1);
  std::size_t done = 0;
  while (done < key.size()) {
    ssize_t got = ::read(fd.Get(), key.data() + done, key.size() - done);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      ThrowErrno("read key file " + name);
    }
    if (got == 0) {
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  key.resize(done);
  if (key.size() < kMinKeyBytes || key.size() > kMaxKeyBytes) {
    throw Error("key file " + name + " must hold " + std::to_string(kMinKeyBytes) + " to " +
                std::to_string(kMaxKeyBytes) + " bytes (has " +
                (key.size() > kMaxKeyBytes ? "more" : std::to_string(key.size())) +
                "); create one with 'domm-monitor storage keygen --key " + name +
                "' (or memory keygen)");
  }
  return key;
}

void GenerateKeyFile(const std::filesystem::path& path) {
  std::array<uint8_t, kGeneratedKeyBytes> key{};
  RandomBytes(key, "a new key");
  try {
    WriteFileDurably(path, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()),
                     0600, IfExists::kRefuse);
  } catch (...) {
    OPENSSL_cleanse(key.data(), key.size());
    throw;
  }
  OPENSSL_cleanse(key.data(), key.size());
}

}  // namespace virdomm::monitor
