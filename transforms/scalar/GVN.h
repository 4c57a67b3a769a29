// GVN: dominator-based global value numbering over SSA (Briggs, Cooper and
// Simpson's "dominator-based value numbering", without the later
// refinements).
//
// Walks the dominator tree in pre-order with a scoped table from an
// expression's key to the variable that first computed it. The key is the
// opcode, the result type, the value numbers of the arguments (sorted for
// commutative opcodes), the literal of a `const`, and for a `phi` its block
// and incoming labels. An instruction whose key is already in scope (so an
// equal computation dominates it) is deleted and its destination renamed to
// the earlier one everywhere. Constants are values too: identical `const`s
// anywhere below one another in the dominator tree merge, which is where most
// of the dynamic savings come from in naively compiled code. `id x` gets the
// value number of x (copy propagation), and a phi whose arguments are all one
// value (ignoring itself) is that value. Algebraic identities of int and
// bool operations on known constants or equal operands are values too:
// `add x 0`, `mul x 1`, `div x 1`, `and x true`... are x; `mul x 0`,
// `sub x x`, `and x false`, `or x true`, `eq x x`... become a `const`
// (`div x x` does not: it traps when x is 0; floats are left alone, since
// x + 0.0 is not x for x = -0.0).
//
// A variable some phi reads keeps its own instruction (neither merged nor
// propagated through when it is an `id`): replacing it would make the phi
// read a longer-lived value that interferes with it, and fromSSA would then
// pay a copy, often on a hotter path than the instruction saved.
//
// Only Pure instructions are numbered, plus `div` and `int2char`: those may
// trap, but only a dominating identical instruction can make one redundant,
// and that one already ran without trapping on the same operands. Loads,
// allocations, calls and everything else with an effect are left alone
// (a load would need to know no store, call or free intervenes). `undef` and
// `get` are not merged.
//
// Requires SSA form with phis (transforms/ssa/ToSSA.h). Changes instructions
// only, never the CFG (invalidates liveness). Repeats its walk until nothing
// changes (a back-edge phi argument is only known after its loop's body has
// been numbered), at most a few times.
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool numberValues(Function &f);
// The AnalysisCache form takes the CFG and dominators from `facts` (of `f`),
// which stay valid: GVN never changes the CFG.
bool numberValues(Function &f, AnalysisCache &facts);

} // namespace brisk
