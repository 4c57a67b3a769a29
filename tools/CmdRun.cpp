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
// Arguments are read as brili reads them, with brisk's options mixed in
// anywhere: `-p` is the profiling flag, `--program`/`--profile-out` are
// brisk's, negative numbers and everything else go to main. After `--`
// everything goes to main, `-p` included.
#include "interp/Interpreter.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"

#include <cstdio>
#include <iostream>

namespace brisk {

int runRunCommand(const std::vector<std::string> &args) {
  Options opts("run", "[-p] [--program=FILE] [--profile-out=FILE] [--stats] [ARGS...] < PROGRAM",
               "Runs a Bril program (text or JSON) exactly like the reference interpreter\n"
               "`brili [-p] ARGS...`: ARGS are main's arguments (after `--`, even ones\n"
               "that look like options); run-time errors print `error: ...` and exit 2.");
  opts.flag("p", "print `total_dyn_inst: N` to stderr after the run");
  opts.value("program", "FILE", "read the program from FILE instead of stdin");
  opts.value("profile-out", "FILE",
             "write a JSON profile of the run (block, edge, call and loop path\n"
             "                            counts) to FILE, also when the program fails");
  opts.flag("stats", "after the run, print to stderr one `name: N` line per\n"
                     "                            figure: total_dyn_inst, speculative_dyn_inst (every\n"
                     "                            instruction from an outermost speculate to the commit or\n"
                     "                            failing guard that ends it, both included), speculations,\n"
                     "                            commits, guards, guard_failures; also after an error");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  bool countInstrs = opts.has("p");
  bool printStats = opts.has("stats");
  std::string profileOut = opts.get("profile-out", "");
  if (opts.has("profile-out") && profileOut.empty()) {
    opts.fail("--profile-out needs a file name");
    return kExitError;
  }

  std::optional<Program> program = loadInputProgram(opts.get("program", "-"), /*typeCheck=*/false);
  if (!program)
    return kExitError;

  std::cout.flush();
  interp::RunOptions options;
  options.args = opts.positionals();
  options.profile = !profileOut.empty();
  interp::RunResult result = interp::runProgram(*program, options);

  int status = kExitOk;
  if (!result.ok) {
    std::fprintf(stderr, "error: %s\n", result.error.c_str());
    status = kExitError;
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
    status = kExitError;
  return status;
}

} // namespace brisk
