// The durable writer: replaces atomically, leaves no temporary file, gives the mode asked for,
// and with IfExists::kRefuse never replaces an existing file.
#include "common/durable_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/error.h"
#include "scratch_directory.h"

namespace virdomm {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t Entries(const fs::path& dir) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++count;
  return count;
}

class DurableFileTest : public ::testing::Test {
 protected:
  testing::ScratchDirectory scratch_{"vd-durable"};
  const fs::path& dir_ = scratch_.Path();
};

TEST_F(DurableFileTest, ReplacesWithTheModeAskedForAndLeavesNoTemporaryFile) {
  mode_t old_mask = ::umask(022);
  fs::path path = dir_ / "file";
  WriteFileDurably(path, "one", 0600);
  WriteFileDurably(path, std::string("two\0bytes", 9), 0600);
  EXPECT_EQ(Read(path), std::string("two\0bytes", 9));
  EXPECT_EQ(fs::status(path).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(Entries(dir_), 1U);
  // A temporary file left by a crashed writer of this pid does not lend the result its mode.
  fs::path stale = dir_ / (".other.tmp." + std::to_string(::getpid()));
  std::ofstream(stale) << "stale";
  fs::permissions(stale, fs::perms::all);
  WriteFileDurably(dir_ / "other", "new", 0600);
  EXPECT_EQ(fs::status(dir_ / "other").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(Entries(dir_), 2U);
  ::umask(old_mask);
}

TEST_F(DurableFileTest, RefuseNeverReplacesAndNamesThePath) {
  fs::path path = dir_ / "key";
  WriteFileDurably(path, "first", 0600, IfExists::kRefuse);
  try {
    WriteFileDurably(path, "second", 0600, IfExists::kRefuse);
    FAIL() << "replaced an existing file";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(path.string() + " (it exists"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(Read(path), "first");
  EXPECT_EQ(Entries(dir_), 1U);
}

TEST_F(DurableFileTest, AMissingDirectoryIsNamed) {
  try {
    WriteFileDurably(dir_ / "none" / "file", "x", 0600);
    FAIL() << "wrote into a missing directory";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find((dir_ / "none").string()), std::string::npos);
  }
}

}  // namespace
}  // namespace virdomm
