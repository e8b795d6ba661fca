// Command-line parsing and dispatch of `virdomm`; main() is a thin shell over RunVirdomm.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace virdomm {

// Runs `virdomm` with `args` (without argv[0]); returns the exit status (see commands.h).
int RunVirdomm(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace virdomm
