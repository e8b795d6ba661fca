// The command-line scheme every checker shares: `domm-monitor <checker> <command> [options]`
// parsed with Boost.Program_options, --help, usage errors, failures, and the exit codes.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>

namespace virdomm::monitor {

// The exit status of every `domm-monitor <checker> <command>`. Each checker's README.md (and
// --help) says which of them its commands give.
enum class ExitCode : int {
  kOk = 0,               // done; a check found nothing to report
  kError = 1,            // failed at run time: I/O, a key file, xenstore, Suricata gave up, ...
  kUsage = 2,            // bad command line; nothing was done
  kClassified = 3,       // memory: classified runtime patches only (kprobe, ftrace, ...)
  kCritical = 4,         // memory: unknown or rodata changes; ack: a change was refused
  kBaselineRefused = 5,  // the signed baseline is tampered with, truncated, under another key,
                         // or malformed
  kRules = 6,            // storage: the rules file is invalid
  kSource = 7,           // storage: the image or tree cannot be read as a supported filesystem
  kDifferences = 8,      // storage check/update: 8 + bits 1 added, 2 removed, 4 changed (9..15)
};

constexpr int ToStatus(ExitCode code) { return static_cast<int>(code); }

// Prints `usage` and the options to `out`.
void PrintHelp(std::ostream& out, const std::string& usage,
               const boost::program_options::options_description& options);

// "domm-monitor <checker> <command>: <message>" on stderr ("domm-monitor <checker>: ..." while
// no command is known), then where help is; returns ExitCode::kUsage.
int UsageError(const std::string& checker, const std::string& command, const std::string& message);

// "domm-monitor <checker> <command>: <message>" on stderr; returns `code`.
int Failure(const std::string& checker, const std::string& command, ExitCode code,
            const std::string& message);

// One checker's command line: the options it describes, a "help,h" switch, and the command as
// the first positional argument.
class CheckerCommandLine {
 public:
  CheckerCommandLine(std::string checker, std::string usage);

  // Adds options after "help,h": cli.Add()("db", po::value(&db), "...")...
  boost::program_options::options_description_easy_init Add() { return described_.add_options(); }

  // Parses args (args[0] is the checker's name). Returns the status to exit with now (--help
  // printed to stdout: kOk; a parse error or no command: a usage error, kUsage), or nullopt
  // when the command is to run.
  std::optional<int> Parse(std::span<char*> args);

  [[nodiscard]] const std::string& Command() const { return command_; }
  [[nodiscard]] const boost::program_options::variables_map& Values() const { return values_; }

  [[nodiscard]] int UsageError(const std::string& message) const {
    return monitor::UsageError(checker_, command_, message);
  }
  [[nodiscard]] int Failure(ExitCode code, const std::string& message) const {
    return monitor::Failure(checker_, command_, code, message);
  }

 private:
  std::string checker_;
  std::string usage_;
  std::string command_;
  boost::program_options::options_description described_{"Options"};
  boost::program_options::variables_map values_;
};

}  // namespace virdomm::monitor
