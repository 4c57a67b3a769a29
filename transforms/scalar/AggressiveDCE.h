// AggressiveDCE: mark-sweep dead code elimination over SSA form.
//
// An instruction is live when it is a root or a live instruction reads its
// result. Roots are what the program can observe or what can stop it:
// side effects (print, store, alloc, free, call), terminators, speculation
// control, and MayTrap instructions (load, and div / int2char unless their
// constant operands prove they cannot trap). Everything else (pure values,
// phis, and `nop`, which costs a dynamic instruction and does nothing) is
// dead until marked. Because liveness flows only from roots, dead cycles of
// phis and arithmetic (an unused loop counter) go as a whole, which plain
// "unused result" DCE cannot do.
//
// Control dependence (Cytron et al.): a `br` is not a root; it is live when
// a live instruction's block depends on it (post-dominance frontier, see
// analysis/PostDominators.h) or a live phi reads a value chosen by it. A dead
// `br` becomes a `jmp` to its immediate post-dominator, and the blocks no
// longer reached are deleted (they hold nothing live). So branches whose
// sides do nothing live, and whole loops that compute only dead values, go.
//
// Termination: Bril has no forward-progress rule, so a loop that does
// nothing observable may still be what keeps the program from ending. Only a
// loop proven finite (analysis/LoopTermination.h: a counted exit test that
// runs every iteration) may go; every branch in a loop not proven finite, or
// in irreducible control flow, is a root. A loop with a side effect or a
// possibly-trapping instruction (div by a non-constant, load, int2char) has
// a live block depending on its branch anyway. Branches whose post-dominator
// is the virtual exit (e.g. out of an infinite loop), branches in
// unreachable blocks, and every branch of a function that speculates are
// kept.
//
// A read of a variable that may be unassigned there (analysis/
// DefiniteAssignment.h; in SSA, a phi of an `undef`) may trap, so it is a
// root too.
//
// Requires: SSA form (one definition per variable: on plain Bril only one of
// a variable's definitions would be marked). Edits the CFG when it rewrites a
// branch: invalidates every analysis then.
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool eliminateDeadCodeAggressively(Function &f);
// The AnalysisCache form takes the CFG, dominators and loops from `facts` (of
// `f`) and leaves them describing `f` (dropping the CFG facts when it rewired
// a branch or removed a block).
bool eliminateDeadCodeAggressively(Function &f, AnalysisCache &facts);

} // namespace brisk
