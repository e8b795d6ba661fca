// The key file: what the loader refuses (size, mode, type, unreadable) and the generator.
#include "core/signing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../common/scratch_directory.h"
#include "common/error.h"

namespace virdomm::monitor {
namespace {

namespace fs = std::filesystem;

class SigningKeyTest : public ::testing::Test {
 protected:
  fs::path Write(const std::string& name, const std::string& bytes, fs::perms mode) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    fs::permissions(path, mode);
    return path;
  }

  static std::string MessageOf(const fs::path& path) {
    try {
      LoadKeyFile(path);
    } catch (const Error& error) {
      return error.what();
    }
    return "accepted";
  }

  virdomm::testing::ScratchDirectory scratch_{"vd-key"};
  const fs::path& dir_ = scratch_.Path();
};

constexpr fs::perms kOwnerOnly = fs::perms::owner_read | fs::perms::owner_write;

TEST_F(SigningKeyTest, GeneratedKeyIs32BytesOwnerOnlyAndNeverReplaced) {
  fs::path path = dir_ / "key";
  GenerateKeyFile(path);
  std::vector<uint8_t> key = LoadKeyFile(path);
  EXPECT_EQ(key.size(), 32U);
  EXPECT_EQ(fs::status(path).permissions(), kOwnerOnly);
  EXPECT_THROW(GenerateKeyFile(path), Error);
  EXPECT_EQ(LoadKeyFile(path), key);  // the refused second keygen left the key alone
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1U);  // no temporary file left behind
}

TEST_F(SigningKeyTest, SizeBoundsAre16To4096Bytes) {
  EXPECT_EQ(LoadKeyFile(Write("min", std::string(16, 'k'), kOwnerOnly)).size(), 16U);
  EXPECT_EQ(LoadKeyFile(Write("max", std::string(4096, 'k'), kOwnerOnly)).size(), 4096U);
  EXPECT_NE(MessageOf(Write("short", std::string(15, 'k'), kOwnerOnly)).find("has 15"),
            std::string::npos);
  EXPECT_NE(MessageOf(Write("long", std::string(4097, 'k'), kOwnerOnly)).find("has more"),
            std::string::npos);
}

TEST_F(SigningKeyTest, GroupOrOtherAccessIsRefused) {
  EXPECT_EQ(LoadKeyFile(Write("ro", std::string(32, 'k'), fs::perms::owner_read)).size(), 32U);
  std::string message =
      MessageOf(Write("shared", std::string(32, 'k'), kOwnerOnly | fs::perms::group_read));
  EXPECT_NE(message.find("mode 0640"), std::string::npos) << message;
  EXPECT_NE(message.find("chmod 600"), std::string::npos) << message;
  EXPECT_NE(MessageOf(Write("world", std::string(32, 'k'), kOwnerOnly | fs::perms::others_write))
                .find("mode 0602"),
            std::string::npos);
}

TEST_F(SigningKeyTest, MissingAndNonRegularFilesAreRefused) {
  EXPECT_NE(MessageOf(dir_ / "missing").find("open key file"), std::string::npos);
  fs::create_directory(dir_ / "sub");
  fs::permissions(dir_ / "sub", fs::perms::owner_all);
  EXPECT_NE(MessageOf(dir_ / "sub").find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace virdomm::monitor
