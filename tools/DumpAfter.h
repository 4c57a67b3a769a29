// DumpAfter: the check of `--dump-after=PASS` values shared by `brisk ssa`,
// `brisk opt` and `brisk pgo`: a name that no pass scope uses would dump
// nothing, silently, so it is refused.
#pragma once

#include "tools/Options.h"

namespace brisk {

// Whether every --dump-after value names a pass (or is "all"); otherwise
// prints `error: brisk COMMAND: --dump-after: no pass named ...` and returns
// false.
bool checkDumpAfterNames(const Options &opts);

} // namespace brisk
