#include "tools/GeneratorFlags.h"

namespace brisk {

void declareGeneratorFlags(Options &opts, const std::string &prefix) {
  opts.flag("no-memory", prefix + "no alloc/load/store/ptradd/free");
  opts.flag("no-floats", prefix + "no float values");
  opts.flag("no-chars", prefix + "no char values");
  opts.flag("no-calls", prefix + "only @main (implies --no-recursion)");
  opts.flag("no-recursion", prefix + "no recursive helpers");
  opts.flag("no-prints", prefix + "no print instructions");
}

void readGeneratorFlags(const Options &opts, GenOptions &g) {
  g.memory = !opts.has("no-memory");
  g.floats = !opts.has("no-floats");
  g.chars = !opts.has("no-chars");
  g.calls = !opts.has("no-calls");
  g.recursion = g.calls && !opts.has("no-recursion");
  g.prints = !opts.has("no-prints");
}

} // namespace brisk
