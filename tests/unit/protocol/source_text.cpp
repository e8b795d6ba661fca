#include "source_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/protocol/xenstore_keys.h"

namespace virdomm::protocol::test {

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::filesystem::path> PatchFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> patches;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".patch") {
      patches.push_back(entry.path());
    }
  }
  std::sort(patches.begin(), patches.end());
  return patches;
}

std::set<std::string> HeaderKeyPaths() {
  std::set<std::string> paths;
  for (std::string_view key : kBindingKeys) {
    paths.insert(OwnBindingKey(key));
  }
  paths.insert(std::string(kXenTargetKey));
  paths.insert(std::string(kMappingsKey));
  return paths;
}

}  // namespace virdomm::protocol::test
