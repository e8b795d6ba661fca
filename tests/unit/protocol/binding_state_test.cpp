#include "common/protocol/binding_state.h"

#include <gtest/gtest.h>

namespace virdomm::protocol {
namespace {

TEST(BindingState, EveryStateValueRoundTrips) {
  for (const Binding& binding : {Binding{BindingState::kBound, 9, "u", ""},
                                 Binding{BindingState::kUnbound, std::nullopt, "u", ""},
                                 Binding{BindingState::kRestart, 13, "u", ""},
                                 Binding{BindingState::kError, std::nullopt, "", "no: reason"}}) {
    auto back = ParseStateValue(FormatStateValue(binding));
    ASSERT_TRUE(back) << FormatStateValue(binding);
    EXPECT_EQ(back->state, binding.state);
    EXPECT_EQ(back->error, binding.error);
  }
}

TEST(BindingState, ValuesAreTheDocumentedWords) {
  EXPECT_EQ(FormatStateValue(Binding{BindingState::kBound, 9, "u", ""}), "bound");
  EXPECT_EQ(FormatStateValue(Binding{BindingState::kUnbound, std::nullopt, "u", ""}), "unbound");
  EXPECT_EQ(FormatStateValue(Binding{BindingState::kRestart, 13, "u", ""}), "restart");
  EXPECT_EQ(FormatStateValue(Binding{BindingState::kError, std::nullopt, "", "why"}), "error: why");
}

TEST(BindingState, AnErrorMayHaveAnEmptyMessage) {
  auto parsed = ParseStateValue("error: ");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->state, BindingState::kError);
  EXPECT_EQ(parsed->error, "");
}

TEST(BindingState, OtherTextIsNoState) {
  for (const char* text : {"", "bounded", "restarting", "Bound", " bound", "error", "error:x"}) {
    EXPECT_FALSE(ParseStateValue(text)) << text;
  }
}

}  // namespace
}  // namespace virdomm::protocol
