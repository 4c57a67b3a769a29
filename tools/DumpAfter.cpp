#include "tools/DumpAfter.h"

#include "transforms/PassRegistry.h"

namespace brisk {

namespace {

bool isDumpName(const std::string &name) {
  // The scopes transforms/Pipeline.cpp opens around its own steps, until
  // PassRegistry lists them with the other passes.
  static const char *const kPipelineScopes[] = {"inline", "superblocks", "inline-cold", "dce"};
  if (name == "all" || findPass(name))
    return true;
  for (const char *scope : kPipelineScopes)
    if (name == scope)
      return true;
  return false;
}

} // namespace

bool checkDumpAfterNames(const Options &opts) {
  for (const std::string &name : opts.getAll("dump-after"))
    if (!isDumpName(name))
      return opts.fail("--dump-after: no pass named '" + name +
                       "' (`brisk ssa --list-passes` lists them; 'all' dumps after each)");
  return true;
}

} // namespace brisk
