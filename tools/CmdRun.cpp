// `brisk run`: a drop-in for the reference interpreter, `brili [-p] ARGS...`,
// with the program on stdin (text or JSON) or given by --program. Same
// output, same `total_dyn_inst: N` on stderr with -p, same `error: ...` and
// exit status 2 for run-time errors. With --profile-out=FILE the run also
// writes a profile (docs/profile-format.md), also when the program fails.
// With --stats it prints, after the program's output and any error, one
// `name: N` line per run figure (total and speculative instruction counts,
// speculations, commits, guards, guard failures) to stderr; -p then adds
// nothing, since the figures include total_dyn_inst.
//
// Arguments are read as brili reads them: the first "-p" anywhere is the
// profiling flag and everything else goes to main, so negative numbers and
// other dashes reach the program. Only brisk's own --options before the first
// program argument are taken as options; `--` ends them.
#include "interp/Interpreter.h"
#include "tools/DriverSupport.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace brisk {
namespace {

const char kRunUsage[] =
    "usage: brisk run [--program=FILE] [--profile-out=FILE] [--stats] [-p] [ARGS...] < PROGRAM\n"
    "\n"
    "Runs a Bril program (text or JSON) exactly like the reference interpreter\n"
    "`brili [-p] ARGS...`: ARGS are main's arguments; -p prints\n"
    "`total_dyn_inst: N` to stderr; run-time errors print `error: ...` and exit 2.\n"
    "\n"
    "options (before the first program argument):\n"
    "  --program=FILE          read the program from FILE instead of stdin\n"
    "  --profile-out=FILE      write a JSON profile of the run (block, edge, call\n"
    "                          and loop path counts) to FILE\n"
    "  --stats                 after the run, print to stderr one `name: N` line per\n"
    "                          figure: total_dyn_inst, speculative_dyn_inst (every\n"
    "                          instruction from an outermost speculate to the commit or\n"
    "                          failing guard that ends it, both included), speculations,\n"
    "                          commits, guards, guard_failures; also after an error\n"
    "  --                      everything after is an argument of main\n"
    "  --help                  show this help\n";

} // namespace

int runRunCommand(const std::vector<std::string> &rawArgs) {
  std::vector<std::string> args = rawArgs;
  bool countInstrs = false;
  if (auto it = std::find(args.begin(), args.end(), "-p"); it != args.end()) {
    countInstrs = true;
    args.erase(it);
  }
  std::string programPath = "-";
  std::string profileOut;
  bool printStats = false;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string &a = args[i];
    auto valueOf = [&](const std::string &name, std::string &dst) {
      if (a == "--" + name) {
        if (i + 1 >= args.size()) {
          std::cerr << "error: brisk run: option --" << name << " needs a value\n";
          return -1;
        }
        dst = args[++i];
        return 1;
      }
      if (a.rfind("--" + name + "=", 0) == 0) {
        dst = a.substr(name.size() + 3);
        return 1;
      }
      return 0;
    };
    if (a == "--help" || a == "-h") {
      std::cout << kRunUsage;
      return 0;
    }
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--stats") {
      printStats = true;
      continue;
    }
    int r = valueOf("program", programPath);
    if (r == 0)
      r = valueOf("profile-out", profileOut);
    if (r < 0)
      return 1;
    if (r == 0)
      break;
  }
  std::vector<std::string> mainArgs(args.begin() + std::ptrdiff_t(i), args.end());

  std::optional<Program> program = loadInputProgram(programPath, /*typeCheck=*/false);
  if (!program)
    return 2;

  std::cout.flush();
  interp::RunOptions options;
  options.args = std::move(mainArgs);
  options.profile = !profileOut.empty();
  interp::RunResult result = interp::runProgram(*program, options);

  int status = 0;
  if (!result.ok) {
    std::fprintf(stderr, "error: %s\n", result.error.c_str());
    status = 2;
  } else if (countInstrs && !printStats) {
    std::fprintf(stderr, "total_dyn_inst: %llu\n",
                 static_cast<unsigned long long>(result.dynamicInstructions));
  }
  if (printStats) {
    const interp::SpeculationStats &s = result.speculation;
    const std::pair<const char *, uint64_t> figures[] = {
        {"total_dyn_inst", result.dynamicInstructions},
        {"speculative_dyn_inst", s.speculativeInstructions},
        {"speculations", s.speculations},
        {"commits", s.commits},
        {"guards", s.guards},
        {"guard_failures", s.guardFailures},
    };
    for (const auto &[name, value] : figures)
      std::fprintf(stderr, "%s: %llu\n", name, static_cast<unsigned long long>(value));
  }
  if (result.profile && !writeOutput(profileOut, result.profile->toJson()))
    status = 2;
  return status;
}

} // namespace brisk
