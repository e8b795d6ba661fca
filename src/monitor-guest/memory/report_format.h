// Reports as text for people and as one-line JSON for machines (watch mode emits JSON lines).
#pragma once

#include "common/json_writer.h"

#include <string>

#include "memory/kernel_locator.h"
#include "memory/kernel_model.h"
#include "memory/memory_checker.h"

namespace virdomm::monitor {

std::string FormatCheckText(const CheckReport& report);
std::string FormatCheckJson(const CheckReport& report);
std::string FormatLocateText(const KernelModel& model, const KernelPlacement& placement,
                             const std::string& memory);
std::string FormatLocateJson(const KernelModel& model, const KernelPlacement& placement,
                             const std::string& memory);
}  // namespace virdomm::monitor
