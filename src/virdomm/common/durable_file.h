// Files that survive a crash or power loss whole or not at all: written to a temporary name,
// fsync'ed, renamed over the target, and the directory fsync'ed so the rename itself persists.
#pragma once

#include <filesystem>
#include <string_view>

namespace virdomm {

// Replaces `path` with `contents` atomically and durably; mode applies to a new file. Throws
// Error naming the path and the step that failed.
void WriteFileDurably(const std::filesystem::path& path, std::string_view contents,
                      unsigned mode = 0644);

// fsync of a directory, so that entries created, renamed or removed in it persist.
void SyncDirectory(const std::filesystem::path& directory);

}  // namespace virdomm
