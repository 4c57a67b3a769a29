// toSSA: puts a function into pruned SSA form with internal `phi`
// instructions (Cytron et al.: phis at the iterated dominance frontier of each
// variable's definitions, kept only where the variable is live in; then a
// renaming walk over the dominator tree).
//
// Every definition gets a fresh name spelled `<original>.<n>` (fromSSA reads
// the original back from that suffix); parameters keep their names as their
// first version. A variable read on some path before any definition (Bril
// allows this as long as that path never runs) reads an `undef` of its type,
// defined at the top of the entry block.
//
// Also, because SSA needs them: removes blocks unreachable from the entry
// and, when the entry block is a branch target, inserts a fresh unlabeled
// entry block in front of it (a phi needs an edge from outside the loop).
//
// Requires: a type-correct function (one type per variable). Refuses, and
// returns false without changing anything, functions that use speculation
// (a failed guard rolls variables back, which renaming cannot express),
// set/get, or phis already. Invalidates every analysis of the function.
#pragma once

#include "ir/IR.h"

namespace brisk {

// True when toSSA can convert `f` (see above).
bool canConvertToSSA(const Function &f);
// Returns true when it converted the function (and so changed it).
bool toSSA(Function &f);

} // namespace brisk
