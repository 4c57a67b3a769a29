// `brisk gen`: writes one random, well-typed, terminating Bril program (see
// tools/gen/ProgramGenerator.h and docs/generator.md), or with --args one
// valid argument vector for it, so scripts can fuzz with varied inputs.
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "tools/DriverSupport.h"
#include "tools/GeneratorFlags.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"
#include "tools/gen/ProgramGenerator.h"

#include <iostream>

namespace brisk {

int runGenCommand(const std::vector<std::string> &args) {
  Options opts("gen", "--seed=S [--size=N] [--format=json|text] [--no-FEATURE...] [-o OUT]",
               "Writes a random Bril program that type-checks and terminates without error\n"
               "for every argument vector of its arity. The same options always give the\n"
               "same program. With --args, writes argument vector --input=K for the\n"
               "program of --seed instead: its length depends on the seed only.\n"
               "The hazard shapes (--undefined-reads, --traps, --endless-loops,\n"
               "--own-speculation, --memory-hazards; --hazards for all) make programs\n"
               "that fail or never end on some inputs, on purpose (docs/generator.md);\n"
               "--hot-loops, --aliasing, --pointer-loops and --loop-nests add the shapes\n"
               "the loop and memory passes work on, --folded-arms one of superblock\n"
               "formation, --long-lines one of out-of-SSA translation.");
  opts.value("seed", "S", "random seed (default 0)");
  opts.value("size", "N", "approximate number of instructions (default 200)");
  opts.value("format", "FMT", "json (default) or text");
  opts.value("max-dyn", "N", "target bound on dynamic instructions per run (default 200000)");
  opts.value("max-output", "N", "target bound on printed lines per run (default 100)");
  declareGeneratorFlags(opts);
  opts.flag("args", "write an argument vector (space-separated ints) instead");
  opts.value("input", "K", "with --args: which argument vector (default 0)");
  opts.flag("stats", "also print bounds and sizes to stderr");
  opts.value("o", "FILE", "write to FILE instead of stdout");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  if (!opts.positionals().empty()) {
    std::cerr << "error: brisk gen: unexpected argument '" << opts.positionals()[0] << "'\n";
    return kExitError;
  }
  GenOptions g;
  uint64_t input = 0;
  if (!opts.getCount("seed", g.seed) || !opts.getCount("size", g.size) ||
      !opts.getCount("max-dyn", g.maxDyn) || !opts.getCount("max-output", g.maxOutput) ||
      !opts.getCount("input", input))
    return kExitError;
  if (g.size > 50'000'000) {
    std::cerr << "error: brisk gen: --size above 50000000 is not supported\n";
    return kExitError;
  }
  std::string format = opts.get("format", "json");
  if (format != "json" && format != "text") {
    std::cerr << "error: brisk gen: --format must be json or text, got '" << format << "'\n";
    return kExitError;
  }
  if (!readGeneratorFlags(opts, g))
    return 1;

  std::string out;
  if (opts.has("args")) {
    for (int64_t a : generateArguments(g.seed, input)) {
      if (!out.empty())
        out += ' ';
      out += std::to_string(a);
    }
    out += "\n";
    return writeOutput(opts.get("o", "-"), out) ? 0 : 2;
  }
  GenStats stats;
  Program program = generateProgram(g, &stats);
  out = format == "json" ? toJsonString(program) : toText(program);
  if (opts.has("stats")) {
    std::cerr << "seed " << g.seed << ": " << stats.functions << " functions, "
              << stats.instructions << " instructions, main arity " << mainArity(g.seed)
              << ", dyn bound " << stats.dynBound << ", print bound " << stats.printBound;
    for (const auto &[name, placed] : stats.shapes)
      std::cerr << ", " << name << " " << placed;
    std::cerr << "\n";
  }
  return writeOutput(opts.get("o", "-"), out) ? 0 : 2;
}

} // namespace brisk
