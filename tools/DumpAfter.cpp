#include "tools/DumpAfter.h"

#include "transforms/PassRegistry.h"

namespace brisk {

namespace {

// The names come from transforms/Passes.def, which lists the pipeline's own
// steps (inline, superblocks, ...) with the passes.
bool isDumpName(const std::string &name) { return name == "all" || findPass(name); }

} // namespace

bool checkDumpAfterNames(const Options &opts) {
  for (const std::string &name : opts.getAll("dump-after"))
    if (!isDumpName(name))
      return opts.fail("--dump-after: no pass named '" + name +
                       "' (`brisk ssa --list-passes` lists them; 'all' dumps after each)");
  return true;
}

} // namespace brisk
