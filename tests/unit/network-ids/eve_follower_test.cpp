#include "network/eve_follower.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace virdomm::monitor {
namespace {

class EveFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("eve-follower-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "eve.json";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Append(const std::string& text) const {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << text;
  }
  static std::vector<std::string> Texts(const std::vector<FollowedLine>& lines) {
    std::vector<std::string> texts;
    for (const FollowedLine& line : lines) {
      texts.push_back(line.over_long ? "<over-long " + std::to_string(line.bytes) + ">"
                                     : line.text);
    }
    return texts;
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
};

using Lines = std::vector<std::string>;

TEST_F(EveFollowerTest, WaitsForTheFileThenReadsWholeLinesOnly) {
  EveFollower follower(path_, 100);
  EXPECT_TRUE(follower.Poll().empty());
  Append("one\ntw");
  EXPECT_EQ(Texts(follower.Poll()), Lines({"one"}));
  EXPECT_TRUE(follower.Poll().empty());
  Append("o\nthree\n");
  EXPECT_EQ(Texts(follower.Poll()), Lines({"two", "three"}));
}

TEST_F(EveFollowerTest, SkipsOverLongLinesAcrossReads) {
  EveFollower follower(path_, 10);
  Append("short\n" + std::string(8, 'a'));
  EXPECT_EQ(Texts(follower.Poll()), Lines({"short"}));
  Append(std::string(100000, 'b'));
  EXPECT_TRUE(follower.Poll().empty());
  Append("c\nnext\n");
  EXPECT_EQ(Texts(follower.Poll()), Lines({"<over-long 100009>", "next"}));
}

TEST_F(EveFollowerTest, FollowsARotationAfterReadingTheOldFileToItsEnd) {
  EveFollower follower(path_, 100);
  Append("a\n");
  EXPECT_EQ(Texts(follower.Poll()), Lines({"a"}));
  Append("b\n");
  std::filesystem::rename(path_, dir_ / "eve.json.1");
  EXPECT_EQ(Texts(follower.Poll()), Lines({"b"}));  // renamed, no new file yet
  Append("c\n");                                    // the writer reopened: a new inode
  EXPECT_EQ(Texts(follower.Poll()), Lines({"c"}));
  EXPECT_NE(follower.TakeNotice().find("rotated"), std::string::npos);
  EXPECT_EQ(follower.TakeNotice(), "");
  Append("d\n");
  EXPECT_EQ(Texts(follower.Poll()), Lines({"d"}));
}

TEST_F(EveFollowerTest, ReadsATruncatedFileAgainFromTheStart) {
  EveFollower follower(path_, 100);
  Append("first line\nsecond line\n");
  EXPECT_EQ(follower.Poll().size(), 2U);
  std::filesystem::resize_file(path_, 0);
  Append("x\n");
  EXPECT_EQ(Texts(follower.Poll()), Lines({"x"}));
  EXPECT_NE(follower.TakeNotice().find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace virdomm::monitor
