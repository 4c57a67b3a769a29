#include "tools/GeneratorFlags.h"

#include <iostream>

namespace brisk {
namespace {

struct ShapeFlag {
  const char *name;
  const char *help;
  bool GenOptions::*field;
};
constexpr ShapeFlag kShapes[] = {
    {"undefined-reads", "reads of variables defined on some paths only",
     &GenOptions::undefinedReads},
    {"traps", "loops that print, then trap (div, int2char, load) at an input-chosen iteration",
     &GenOptions::traps},
    {"endless-loops", "loops that never end on some inputs", &GenOptions::endlessLoops},
    {"own-speculation", "the program's own speculate/guard/commit, sometimes ill-formed at run time",
     &GenOptions::ownSpeculation},
    {"hot-loops", "loops run >= 100 times with biased branches and array stores",
     &GenOptions::hotLoops},
    {"memory-hazards",
     "uninitialised reads, out of bounds, use after free, double free, leaks on rare inputs",
     &GenOptions::memoryHazards},
    {"aliasing", "small allocs, aliasing pointers, loads after stores through aliases, escapes",
     &GenOptions::aliasing},
    {"pointer-loops", "arrays walked by pointer IVs and i*cols+j, invariant loads in loops",
     &GenOptions::pointerLoops},
    {"loop-nests", "loop nests (counted, uncounted) with inner stores and biased branches",
     &GenOptions::loopNests},
    {"folded-arms",
     "if/else on constants whose live arm ends in a short do-while, then a print and a loop",
     &GenOptions::foldedArms},
    {"long-lines", "one block of 100-200 copies, sums and differences redefining three ints",
     &GenOptions::longLines},
};

} // namespace

unsigned defaultShapeRate(bool shapesOnByDefault) {
  return shapesOnByDefault ? 6 : GenOptions{}.shapeRate;
}

void declareGeneratorFlags(Options &opts, const std::string &prefix, bool shapesOnByDefault) {
  opts.flag("no-memory", prefix + "no alloc/load/store/ptradd/free");
  opts.flag("no-floats", prefix + "no float values");
  opts.flag("no-chars", prefix + "no char values");
  opts.flag("no-calls", prefix + "only @main (implies --no-recursion)");
  opts.flag("no-recursion", prefix + "no recursive helpers");
  opts.flag("no-prints", prefix + "no print instructions");
  const char *state = shapesOnByDefault ? " (on by default)" : " (off by default)";
  for (const ShapeFlag &s : kShapes) {
    opts.flag(s.name, prefix + s.help + state);
    opts.flag(std::string("no-") + s.name, prefix + "no " + s.help);
  }
  opts.flag("hazards", prefix + "all eleven shapes above");
  opts.flag("no-hazards", prefix + "none of the eleven shapes (the safe generator)");
  opts.value("shape-rate", "P",
             prefix + "percent of statements that hold one of the shapes (default " +
                 std::to_string(defaultShapeRate(shapesOnByDefault)) + ")");
}

bool readGeneratorFlags(const Options &opts, GenOptions &g, bool shapesOnByDefault) {
  g.memory = !opts.has("no-memory");
  g.floats = !opts.has("no-floats");
  g.chars = !opts.has("no-chars");
  g.calls = !opts.has("no-calls");
  g.recursion = g.calls && !opts.has("no-recursion");
  g.prints = !opts.has("no-prints");
  bool all = opts.has("hazards"), none = opts.has("no-hazards");
  for (const ShapeFlag &s : kShapes)
    g.*s.field = ((shapesOnByDefault && !none) || all || opts.has(s.name)) &&
                 !opts.has(std::string("no-") + s.name);
  uint64_t rate = defaultShapeRate(shapesOnByDefault);
  if (!opts.getCount("shape-rate", rate))
    return false;
  if (rate > 100) {
    std::cerr << "error: --shape-rate must be at most 100\n";
    return false;
  }
  g.shapeRate = unsigned(rate);
  return true;
}

std::string generatorFlagsFor(const GenOptions &g, bool shapesOnByDefault) {
  std::string s;
  if (!g.memory)
    s += " --no-memory";
  if (!g.floats)
    s += " --no-floats";
  if (!g.chars)
    s += " --no-chars";
  if (!g.calls)
    s += " --no-calls";
  if (!g.recursion && g.calls)
    s += " --no-recursion";
  if (!g.prints)
    s += " --no-prints";
  for (const ShapeFlag &sh : kShapes) {
    bool on = g.*sh.field;
    if (on && !shapesOnByDefault)
      s += std::string(" --") + sh.name;
    else if (!on && shapesOnByDefault)
      s += std::string(" --no-") + sh.name;
  }
  if (g.shapeRate != defaultShapeRate(shapesOnByDefault))
    s += " --shape-rate=" + std::to_string(g.shapeRate);
  return s;
}

} // namespace brisk
