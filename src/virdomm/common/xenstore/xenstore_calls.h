// libxenstore's read, write, directory and remove with errors as exceptions that name the
// path, and "absent" (ENOENT) as an empty answer rather than an error. Both ends of the alert
// channel use them: Domain M on relative paths (its own home), dom0 on absolute ones.
#pragma once

extern "C" {
#include <xenstore.h>
}

#include <optional>
#include <string>
#include <vector>

#include "common/unique_handle.h"

namespace virdomm {

using XenstoreHandle = UniqueHandle<xs_handle, xs_close>;

// xs_open(0), or Error("xenstore open (<purpose>): <errno>").
XenstoreHandle OpenXenstore(const std::string& purpose);

std::optional<std::string> ReadXenstoreKey(xs_handle* xs, const std::string& path);
void WriteXenstoreKey(xs_handle* xs, const std::string& path, const std::string& value);
std::vector<std::string> ListXenstoreDirectory(xs_handle* xs, const std::string& path);
void RemoveXenstoreKey(xs_handle* xs, const std::string& path);

}  // namespace virdomm
