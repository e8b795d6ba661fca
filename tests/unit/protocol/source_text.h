// Reading the repository's own texts (PROTOCOL.md, the kernel patches) in tests that check the
// code's names against them.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace virdomm::protocol::test {

// The whole file; fails the calling test (ADD_FAILURE) and returns "" when it cannot be read.
std::string ReadText(const std::filesystem::path& path);

// Every *.patch file under `dir`, at any depth, sorted.
std::vector<std::filesystem::path> PatchFiles(const std::filesystem::path& dir);

// The xenstore paths of every key the code below names, each relative to Domain M's home.
std::set<std::string> HeaderKeyPaths();

}  // namespace virdomm::protocol::test
