// The both-or-neither write of `virdomm pair`, with sides that fail on demand.
#include <gtest/gtest.h>

#include <optional>

#include "common/error.h"
#include "pairing/pair_transaction.h"

namespace virdomm {
namespace {

// In-memory metadata of one domain; Write and Restore fail when told to.
class FakeSide : public MetadataSide {
 public:
  FakeSide(std::string name, std::optional<std::string> initial)
      : value_(std::move(initial)), name_(std::move(name)) {}
  [[nodiscard]] std::string Name() const override { return name_; }
  void Save() override { saved_ = value_; }
  void Write(const std::string& xml) override {
    if (fail_write_) {
      value_ = "half-written";  // a live+config write that failed halfway
      throw Error("write refused");
    }
    value_ = xml;
  }
  void Restore() override {
    if (fail_restore_) {
      throw Error("restore refused");
    }
    value_ = saved_;
  }
  std::optional<std::string> value_;
  bool fail_write_ = false;
  bool fail_restore_ = false;

 private:
  std::string name_;
  std::optional<std::string> saved_;
};

TEST(WriteBothOrNeither, WritesBoth) {
  FakeSide m("m", std::nullopt);
  FakeSide u("u", "old");
  WriteBothOrNeither(m, "M", u, "U");
  EXPECT_EQ(m.value_, "M");
  EXPECT_EQ(u.value_, "U");
}

TEST(WriteBothOrNeither, UndoesTheFirstWhenTheSecondFails) {
  FakeSide m("m", std::nullopt);
  FakeSide u("u", "old");
  u.fail_write_ = true;
  try {
    WriteBothOrNeither(m, "M", u, "U");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nothing changed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("write refused"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.value_, std::nullopt);
  EXPECT_EQ(u.value_, "old");
}

TEST(WriteBothOrNeither, FirstFailureChangesNothingElse) {
  FakeSide m("m", "m-old");
  FakeSide u("u", "u-old");
  m.fail_write_ = true;
  EXPECT_THROW(WriteBothOrNeither(m, "M", u, "U"), Error);
  EXPECT_EQ(u.value_, "u-old");
}

TEST(WriteBothOrNeither, SaysWhatIsLeftWhenTheUndoFails) {
  FakeSide m("m", std::nullopt);
  FakeSide u("u", std::nullopt);
  u.fail_write_ = true;
  m.fail_restore_ = true;
  try {
    WriteBothOrNeither(m, "M", u, "U");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("Undoing 'm' failed too"), std::string::npos) << msg;
    EXPECT_NE(msg.find("virdomm unpair"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace virdomm
