// Files that survive a crash or power loss whole or not at all: written to a temporary name in
// the same directory, fsync'ed, moved onto the target, and the directory fsync'ed so the move
// itself persists.
#pragma once

#include <filesystem>
#include <string_view>

namespace virdomm {

enum class IfExists {
  kReplace,  // rename over an existing file (baselines, counters, spool entries)
  kRefuse,   // fail with the path named if the target exists (new keys)
};

// Writes `contents` to `path` atomically and durably. The temporary file is created fresh in
// the directory of `path` with `mode` (less the umask), so the result has that mode. Throws
// Error naming the path and the step that failed; the temporary file is removed on failure.
void WriteFileDurably(const std::filesystem::path& path, std::string_view contents,
                      unsigned mode = 0644, IfExists if_exists = IfExists::kReplace);

// fsync of a directory, so that entries created, renamed or removed in it persist.
void SyncDirectory(const std::filesystem::path& directory);

}  // namespace virdomm
