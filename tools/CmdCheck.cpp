// `brisk check`: parse and type-check, printing every problem found. Exit 0
// when the program is well formed, 2 otherwise.
#include "tools/DriverSupport.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"

#include <iostream>

namespace brisk {

int runCheckCommand(const std::vector<std::string> &args) {
  Options opts("check", "[INPUT...]",
               "Parses and type-checks Bril programs (text or JSON), reporting every\n"
               "problem as `error: FILE:LINE: in @f, instruction N (op): ...`.");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  std::vector<std::string> inputs = opts.positionals();
  if (inputs.empty())
    inputs.push_back("-");
  int status = 0;
  for (const std::string &input : inputs)
    if (!loadInputProgram(input, /*typeCheck=*/true))
      status = 2;
  return status;
}

} // namespace brisk
