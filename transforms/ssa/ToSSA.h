// toSSA: puts a function into pruned SSA form with internal `phi`
// instructions (Cytron et al.: phis at the iterated dominance frontier of each
// variable's definitions, kept only where the variable is live in; then a
// renaming walk over the dominator tree).
//
// Every definition gets a fresh name spelled `<original>.<n>` (fromSSA reads
// the original back from that suffix); parameters keep their names as their
// first version.
//
// A function that reads a variable not definitely assigned there
// (analysis/DefiniteAssignment.h) is left alone: such a read fails under
// brili when the path without a definition runs, and SSA would give it a
// value (`undef`, merged by phis with real values) that later passes fold,
// copy or delete, and that out-of-SSA coalesces with other names. So in
// brisk's SSA every read is definitely assigned; an `undef` left by
// construction (for a variable that is only defined on paths that never read
// it again) or by loop rotation is a placeholder no execution reads.
//
// Also, because SSA needs them: removes blocks unreachable from the entry
// and, when the entry block is a branch target, inserts a fresh unlabeled
// entry block in front of it (a phi needs an edge from outside the loop).
//
// Requires: a type-correct function (one type per variable). Refuses, and
// returns false without changing anything, functions that use speculation
// (a failed guard rolls variables back, which renaming cannot express),
// set/get, or phis already, and functions with a possibly undefined read. Invalidates every analysis of the function.
#pragma once

#include "ir/IR.h"

namespace brisk {

// True when toSSA can convert `f` (see above).
bool canConvertToSSA(const Function &f);
// Returns true when it converted the function (and so changed it).
bool toSSA(Function &f);

} // namespace brisk
