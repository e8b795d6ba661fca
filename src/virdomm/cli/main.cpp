// `virdomm`, the administrator's pairing tool; all logic lives in the library.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return virdomm::RunVirdomm(args, std::cout, std::cerr);
}
