#include "common/protocol/binding_state.h"

#include <array>
#include <utility>

namespace virdomm::protocol {
namespace {

// What precedes an error's message in the `state` value.
constexpr std::string_view kErrorPrefix = "error: ";

// The states whose value is their name alone.
constexpr std::array<BindingState, 3> kPlainStates = {BindingState::kBound, BindingState::kUnbound,
                                                      BindingState::kRestart};

}  // namespace

std::string_view ToString(BindingState state) {
  switch (state) {
    case BindingState::kBound:
      return "bound";
    case BindingState::kUnbound:
      return "unbound";
    case BindingState::kRestart:
      return "restart";
    case BindingState::kError:
      return "error";
  }
  return "error";
}

std::string FormatStateValue(const Binding& binding) {
  if (binding.state == BindingState::kError) {
    return std::string(kErrorPrefix) + binding.error;
  }
  return std::string(ToString(binding.state));
}

std::optional<Binding> ParseStateValue(std::string_view value) {
  Binding binding;
  for (BindingState plain : kPlainStates) {
    if (value == ToString(plain)) {
      binding.state = plain;
      return binding;
    }
  }
  if (value.starts_with(kErrorPrefix)) {
    binding.state = BindingState::kError;
    binding.error = std::string(value.substr(kErrorPrefix.size()));
    return binding;
  }
  return std::nullopt;
}

}  // namespace virdomm::protocol
