// `brisk gen`: writes one random, well-typed, terminating Bril program (see
// tools/gen/ProgramGenerator.h and docs/generator.md), or with --args one
// valid argument vector for it, so scripts can fuzz with varied inputs.
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"
#include "tools/gen/ProgramGenerator.h"

#include <charconv>
#include <iostream>

namespace brisk {
namespace {

bool parseCount(const Options &opts, const std::string &name, uint64_t &out) {
  std::optional<std::string> text = opts.get(name);
  if (!text)
    return true;
  const char *begin = text->data(), *end = begin + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end) {
    std::cerr << "error: brisk gen: --" << name << " expects a non-negative integer, got '"
              << *text << "'\n";
    return false;
  }
  return true;
}

} // namespace

int runGenCommand(const std::vector<std::string> &args) {
  Options opts("gen", "--seed=S [--size=N] [--format=json|text] [--no-FEATURE...] [-o OUT]",
               "Writes a random Bril program that type-checks and terminates without error\n"
               "for every argument vector of its arity. The same options always give the\n"
               "same program. With --args, writes argument vector --input=K for the\n"
               "program of --seed instead: its length depends on the seed only.");
  opts.value("seed", "S", "random seed (default 0)");
  opts.value("size", "N", "approximate number of instructions (default 200)");
  opts.value("format", "FMT", "json (default) or text");
  opts.value("max-dyn", "N", "target bound on dynamic instructions per run (default 200000)");
  opts.value("max-output", "N", "target bound on printed lines per run (default 100)");
  opts.flag("no-memory", "no alloc/load/store/ptradd/free");
  opts.flag("no-floats", "no float values");
  opts.flag("no-chars", "no char values");
  opts.flag("no-calls", "only @main (implies --no-recursion)");
  opts.flag("no-recursion", "no recursive helpers");
  opts.flag("no-prints", "no print instructions");
  opts.flag("args", "write an argument vector (space-separated ints) instead");
  opts.value("input", "K", "with --args: which argument vector (default 0)");
  opts.flag("stats", "also print bounds and sizes to stderr");
  opts.value("o", "FILE", "write to FILE instead of stdout");
  if (!opts.parse(args))
    return opts.helpRequested() ? 0 : 1;
  if (!opts.positionals().empty()) {
    std::cerr << "error: brisk gen: unexpected argument '" << opts.positionals()[0] << "'\n";
    return 1;
  }
  GenOptions g;
  uint64_t input = 0;
  if (!parseCount(opts, "seed", g.seed) || !parseCount(opts, "size", g.size) ||
      !parseCount(opts, "max-dyn", g.maxDyn) || !parseCount(opts, "max-output", g.maxOutput) ||
      !parseCount(opts, "input", input))
    return 1;
  if (g.size > 50'000'000) {
    std::cerr << "error: brisk gen: --size above 50000000 is not supported\n";
    return 1;
  }
  std::string format = opts.get("format", "json");
  if (format != "json" && format != "text") {
    std::cerr << "error: brisk gen: --format must be json or text, got '" << format << "'\n";
    return 1;
  }
  g.memory = !opts.has("no-memory");
  g.floats = !opts.has("no-floats");
  g.chars = !opts.has("no-chars");
  g.calls = !opts.has("no-calls");
  g.recursion = g.calls && !opts.has("no-recursion");
  g.prints = !opts.has("no-prints");

  std::string out;
  if (opts.has("args")) {
    for (int64_t a : generateArguments(g.seed, input))
      out += (out.empty() ? "" : " ") + std::to_string(a);
    out += "\n";
    return writeOutput(opts.get("o", "-"), out) ? 0 : 2;
  }
  GenStats stats;
  Program program = generateProgram(g, &stats);
  out = format == "json" ? toJsonString(program) : toText(program);
  if (opts.has("stats"))
    std::cerr << "seed " << g.seed << ": " << stats.functions << " functions, "
              << stats.instructions << " instructions, main arity " << mainArity(g.seed)
              << ", dyn bound " << stats.dynBound << ", print bound " << stats.printBound
              << "\n";
  return writeOutput(opts.get("o", "-"), out) ? 0 : 2;
}

} // namespace brisk
