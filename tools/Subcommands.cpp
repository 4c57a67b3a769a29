// The list of subcommands, in the order `brisk --help` shows them. Each entry
// points at the run function in its tools/Cmd<Name>.cpp.
#include "tools/Subcommand.h"

namespace brisk {

int runJsonCommand(const std::vector<std::string> &args);
int runTxtCommand(const std::vector<std::string> &args);
int runCheckCommand(const std::vector<std::string> &args);
int runGenCommand(const std::vector<std::string> &args);
int runSsaCommand(const std::vector<std::string> &args);
int runDotCommand(const std::vector<std::string> &args);
int runRunCommand(const std::vector<std::string> &args);
int runProfileCommand(const std::vector<std::string> &args);
int runOptCommand(const std::vector<std::string> &args);
int runPgoCommand(const std::vector<std::string> &args);
int runFuzzCommand(const std::vector<std::string> &args);

const std::vector<Subcommand> &subcommands() {
  static const std::vector<Subcommand> list = {
      {"json", "convert a program to Bril JSON (like bril2json)", runJsonCommand},
      {"txt", "convert a program to Bril text (like bril2txt)", runTxtCommand},
      {"check", "parse, type-check and report every problem", runCheckCommand},
      {"gen", "write a random well-typed, terminating program (fuzzing)", runGenCommand},
      {"ssa", "SSA form: dump, set/get JSON, or a round trip", runSsaCommand},
      {"dot", "the CFG as Graphviz dot (edge weights from a profile)", runDotCommand},
      {"run", "interpret a program like brili [-p]; --profile-out writes a profile", runRunCommand},
      {"profile", "merge or check profiles written by run --profile-out", runProfileCommand},
      {"opt", "form speculative superblocks from a profile (--profile=FILE)", runOptCommand},
      {"pgo", "profile on ARGS and optimize in one step (like opt)", runPgoCommand},
      {"fuzz", "differential checking of the optimizer on generated programs", runFuzzCommand},
  };
  return list;
}

} // namespace brisk
