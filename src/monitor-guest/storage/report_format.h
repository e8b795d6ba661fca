// Report formatters: plain text for people, JSON for scripts. Paths are printed with
// EscapeForDisplay (control and non-ASCII bytes as \xHH) in both.
#pragma once

#include "common/json_writer.h"

#include <string>

#include "storage/compare.h"

namespace virdomm::monitor {

std::string FormatReportText(const Report& report);
std::string FormatReportJson(const Report& report);
}  // namespace virdomm::monitor
