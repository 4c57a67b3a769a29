// `brisk check`: parse and type-check, printing every problem found in one
// pass: undefined labels do not stop the type checker, and the speculation
// rules brili enforces at run time are checked where they are certain
// (analysis/SpeculationRules.h). Exit 0 when every program is well formed,
// 2 otherwise.
#include "analysis/SpeculationRules.h"
#include "frontend/Loader.h"
#include "frontend/TypeChecker.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"

#include <iostream>

namespace brisk {
namespace {

bool checkOne(const std::string &input) {
  std::optional<InputText> in = readInput(input);
  if (!in || refuseBlankInput(*in))
    return false;
  Diagnostics diags(in->name);
  std::optional<Program> program = loadProgram(in->text, diags, /*keepUndefinedLabels=*/true);
  if (program) {
    typeCheck(*program, diags);
    for (const Function &f : program->functions)
      checkSpeculationRules(f, diags);
  }
  diags.print(std::cerr);
  return !diags.hasErrors();
}

} // namespace

int runCheckCommand(const std::vector<std::string> &args) {
  Options opts("check", "[INPUT...]",
               "Parses and type-checks Bril programs (text or JSON), reporting every\n"
               "problem as `error: FILE:LINE: in @f, instruction N (op): ...`, and the\n"
               "speculation errors brili would raise on every run that gets there\n"
               "(call or ret while speculating, commit outside speculation, the end of\n"
               "a function reached while speculating).");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  std::vector<std::string> inputs = opts.positionals();
  if (inputs.empty())
    inputs.push_back("-");
  int status = kExitOk;
  for (const std::string &input : inputs)
    if (!checkOne(input))
      status = kExitError;
  return status;
}

} // namespace brisk
