#include "core/checker_cli.h"

#include <iostream>
#include <utility>

namespace virdomm::monitor {
namespace {

namespace po = boost::program_options;

std::string Prefix(const std::string& checker, const std::string& command) {
  return "domm-monitor " + checker + (command.empty() ? "" : " " + command) + ": ";
}

}  // namespace

void PrintHelp(std::ostream& out, const std::string& usage,
               const po::options_description& options) {
  out << usage << "\n" << options;
}

int UsageError(const std::string& checker, const std::string& command, const std::string& message) {
  std::cerr << Prefix(checker, command) << message << "\n"
            << "Run 'domm-monitor " << checker << " --help' for its commands and options.\n";
  return ToStatus(ExitCode::kUsage);
}

int Failure(const std::string& checker, const std::string& command, ExitCode code,
            const std::string& message) {
  std::cerr << Prefix(checker, command) << message << "\n";
  return ToStatus(code);
}

CheckerCommandLine::CheckerCommandLine(std::string checker, std::string usage)
    : checker_(std::move(checker)), usage_(std::move(usage)) {
  described_.add_options()("help,h", "show this help");
}

std::optional<int> CheckerCommandLine::Parse(std::span<char*> args) {
  po::options_description hidden;
  hidden.add_options()("command", po::value(&command_));
  po::options_description all;
  all.add(described_).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1);
  try {
    // args[0] (the checker's name) plays the program name for the parser.
    auto argc = static_cast<int>(args.size());
    po::store(po::command_line_parser(argc, args.data()).options(all).positional(positional).run(),
              values_);
    po::notify(values_);
  } catch (const po::error& error) {
    if (command_.empty() && args.size() > 1 && args[1][0] != '-') {
      command_ = args[1];  // the parser stopped before it stored the command
    }
    return UsageError(error.what());
  }
  if (values_.count("help") != 0) {
    PrintHelp(std::cout, usage_, described_);
    return ToStatus(ExitCode::kOk);
  }
  if (command_.empty()) {
    return UsageError("no command given");
  }
  return std::nullopt;
}

}  // namespace virdomm::monitor
