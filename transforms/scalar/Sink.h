// Sink: moves pure instructions down into the one successor that needs them
// (partial dead code elimination of the simplest kind). A `const` computed at
// the top of a function but read on one side of its first branch costs an
// executed instruction on the other side; sunk into that side, it does not.
//
// An instruction of block B moves to the top of a successor S (after S's
// phis) when it is Pure (never MayTrap: a trap would move past B's side
// effects), nothing in B reads it, S's only predecessor is B, and every use
// is in a block S dominates (a phi use counts at the end of its incoming
// block). S runs at most as often as B, and a block with one predecessor is
// never a loop header, so sinking never moves work into a loop. Blocks are
// visited in reverse post-order and instructions bottom-up, so an instruction
// can travel several blocks down in one run, and a chain of instructions
// keeps its order.
//
// Requires: SSA form. Does not change the CFG; invalidates liveness only.
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool sinkInstructions(Function &f);
// The AnalysisCache form takes the CFG and dominators from `facts` (of `f`),
// which stay valid: sinking never changes the CFG.
bool sinkInstructions(Function &f, AnalysisCache &facts);

} // namespace brisk
