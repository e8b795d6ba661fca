// Domain M's kernel (linux-patches/, C) cannot include the C++ header, so its key names are
// checked here: every xenstore path and state value the patches' own lines use must be one
// the protocol header defines.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "common/protocol/binding_state.h"
#include "common/protocol/xenstore_keys.h"
#include "source_text.h"

namespace virdomm::protocol::test {
namespace {

// The lines a patch adds, without their '+', joined so a call split over lines reads whole.
std::string AddedCode(const std::string& patch) {
  std::string code;
  std::istringstream lines(patch);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("+") && !line.starts_with("+++")) {
      code += line.substr(1) + " ";
    }
  }
  return code;
}

// Every match of `pattern`'s first group (and second, appended as a subpath when non-empty).
std::set<std::string> Matches(const std::string& code, const std::regex& pattern) {
  std::set<std::string> found;
  for (auto it = std::sregex_iterator(code.begin(), code.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& match = *it;
    std::string path = match[1].str();
    if (match.size() > 2 && match[2].length() > 0) {
      path += "/" + match[2].str();
    }
    found.insert(path);
  }
  return found;
}

// xenbus_read(t, "dir", "node", ...) and its kin, and a xenbus_watch's .node = "path".
std::set<std::string> XenstorePaths(const std::string& code) {
  static const std::regex kXenbusCall(
      R"re(xenbus_(?:read|printf|write|scanf|exists|gather|directory|rm|mkdir)\s*\(\s*\w+\s*,\s*"([^"]*)"\s*,\s*"([^"]*)")re");
  static const std::regex kWatchNode(R"re(\.node\s*=\s*"([^"]*)")re");
  std::set<std::string> paths = Matches(code, kXenbusCall);
  paths.merge(Matches(code, kWatchNode));
  return paths;
}

// The values a patch compares the `state` key with: strcmp(state, "...").
std::set<std::string> ComparedStates(const std::string& code) {
  static const std::regex kStateCompare(R"re(strcmp\s*\(\s*state\s*,\s*"([^"]*)"\s*\))re");
  return Matches(code, kStateCompare);
}

TEST(LinuxPatchKeys, EveryXenstorePathIsOneOfTheHeaders) {
  const std::set<std::string> known = HeaderKeyPaths();
  std::set<std::string> used;
  for (const auto& patch : PatchFiles(VIRDOMM_LINUX_PATCHES_DIR)) {
    for (const std::string& path : XenstorePaths(AddedCode(ReadText(patch)))) {
      EXPECT_TRUE(known.contains(path)) << patch.filename() << " uses xenstore path " << path;
      used.insert(path);
    }
  }
  // The patches follow the binding: if none of these is found, the patterns above have
  // stopped matching the patches' code rather than the code having dropped the keys.
  for (std::string_view key : {kStateKey, kTargetDomidKey, kGenerationKey}) {
    EXPECT_TRUE(used.contains(OwnBindingKey(key))) << OwnBindingKey(key) << " not found";
  }
  EXPECT_TRUE(used.contains(std::string(kXenTargetKey)));
  EXPECT_TRUE(used.contains(std::string(kMappingsKey)));
}

TEST(LinuxPatchKeys, EveryComparedStateIsAStateValue) {
  std::set<std::string> compared;
  for (const auto& patch : PatchFiles(VIRDOMM_LINUX_PATCHES_DIR)) {
    compared.merge(ComparedStates(AddedCode(ReadText(patch))));
  }
  EXPECT_TRUE(compared.contains(FormatStateValue(Binding{BindingState::kBound, 1, "", ""})));
  for (const std::string& value : compared) {
    EXPECT_TRUE(ParseStateValue(value)) << "the kernel compares state with '" << value << "'";
  }
}

}  // namespace
}  // namespace virdomm::protocol::test
