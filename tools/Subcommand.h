// Subcommand: one `brisk NAME ...` verb. Each lives in tools/Cmd<Name>.cpp and
// is listed once in tools/Subcommands.cpp; main() dispatches on the name.
#pragma once

#include <string>
#include <vector>

namespace brisk {

// Exit statuses, the same in every subcommand (README.md, "Exit status").
inline constexpr int kExitOk = 0;
// `brisk fuzz` only: the check ran and found programs the optimizer breaks.
inline constexpr int kExitFindings = 1;
// Anything that went wrong: bad usage (unknown option, bad value, missing or
// extra argument), a bad input program, a run-time error of the program (as
// brili), an output that could not be written.
inline constexpr int kExitError = 2;

struct Subcommand {
  const char *name;
  const char *summary;  // one line for `brisk --help`
  // Receives the arguments after the subcommand name. Returns the exit code
  // (kExitOk, kExitFindings, kExitError).
  int (*run)(const std::vector<std::string> &args);
};

const std::vector<Subcommand> &subcommands();

} // namespace brisk
