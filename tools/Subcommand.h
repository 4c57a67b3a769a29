// Subcommand: one `brisk NAME ...` verb. Each lives in tools/Cmd<Name>.cpp and
// is listed once in tools/Subcommands.cpp; main() dispatches on the name.
#pragma once

#include <string>
#include <vector>

namespace brisk {

struct Subcommand {
  const char *name;
  const char *summary;  // one line for `brisk --help`
  // Receives the arguments after the subcommand name. Returns the exit code:
  // 0 success, 1 usage error, 2 bad input program or run-time error.
  int (*run)(const std::vector<std::string> &args);
};

const std::vector<Subcommand> &subcommands();

} // namespace brisk
