// Simplify: CFG clean-up and block placement. Every rewrite here removes a
// dynamic `jmp` (or a `ret` at the very end of a void function) on some path
// and adds none on any other.
//
//  1. Fall-throughs are made explicit first (`jmp next`; `ret` after the last
//     block of a void function), so that blocks can be moved freely.
//  2. Then, until nothing changes:
//     - a `br` whose two labels agree becomes a `jmp`;
//     - jump threading: an edge into a block that holds nothing but
//       `jmp T` goes to T directly (when T has phis: only if the source does
//       not already reach T, and the phis get an entry for the source with
//       the value they took from the skipped block);
//     - merging: a block whose only predecessor ends in a `jmp` to it is
//       appended to that predecessor (its phis, one entry each, become the
//       value of that entry);
//     - blocks no path from the entry reaches are deleted, with the phi
//       entries naming them.
//  3. Block placement (Pettis and Hansen, "Profile Guided Code Positioning",
//     PLDI 1990, bottom-up chains): `jmp` edges, heaviest first by loop depth,
//     join chains so that a jump becomes a fall-through; the entry chain goes
//     first, a chain ending in a bare `ret` last. Then every `jmp` to the
//     next block and a trailing bare `ret` are dropped.
//
// Works on SSA form with phis and on plain Bril. Leaves alone functions with
// speculation or set/get, and non-void functions that can fall off their end.
// Invalidates every analysis of the function.
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool simplifyCFG(Function &f);
// The same, taking the CFG, dominators and loops from `facts` (which must
// describe f as it is) while they still hold; invalidates them when it
// changes f. `inSSA`: f is in SSA form as PassContext::isSSA records it
// (to-ssa made it of a function without speculation or set/get, and no
// pass gives an SSA function any), so there is nothing to leave alone and
// phis stand only at the tops of blocks: the pass then reads each block's
// first and last instruction, not every one.
bool simplifyCFG(Function &f, AnalysisCache &facts, bool inSSA = false);

} // namespace brisk
