// The state values shared by the hook and Domain M (PROTOCOL.md "Xenstore keys").
#include "xen/xen_host.h"

namespace virdomm {

namespace {
constexpr std::string_view kErrorPrefix = "error: ";
}

std::string_view ToString(PairStateKind kind) {
  switch (kind) {
    case PairStateKind::kBound:
      return "bound";
    case PairStateKind::kUnbound:
      return "unbound";
    case PairStateKind::kRestart:
      return "restart";
    case PairStateKind::kError:
      return "error";
  }
  return "error";
}

std::string PairStateValue(const PairState& state) {
  if (state.kind == PairStateKind::kError) {
    return std::string(kErrorPrefix) + state.error;
  }
  return std::string(ToString(state.kind));
}

std::optional<PairState> ParsePairStateValue(std::string_view value) {
  PairState state;
  if (value == "bound") {
    state.kind = PairStateKind::kBound;
  } else if (value == "unbound") {
    state.kind = PairStateKind::kUnbound;
  } else if (value == "restart") {
    state.kind = PairStateKind::kRestart;
  } else if (value.substr(0, kErrorPrefix.size()) == kErrorPrefix) {
    state.kind = PairStateKind::kError;
    state.error = std::string(value.substr(kErrorPrefix.size()));
  } else {
    return std::nullopt;
  }
  return state;
}

}  // namespace virdomm
