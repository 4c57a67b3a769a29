// CopyPropagation: removes copies from SSA form.
//
//   - `x = id y`: every use of x reads y instead, and the `id` goes;
//   - a phi whose arguments are all one value v, apart from the phi itself
//     (`x = phi v v x`), is that value: uses of x read v and the phi goes.
//     In strict SSA such a v dominates the phi's block (Braun et al.,
//     "Simple and Efficient Construction of SSA Form", CC 2013), so every
//     former use of x is still dominated by v's definition.
// Removing one copy can make a phi trivial, so the decisions run to a
// fixpoint (union-find over variables) before one rewrite of every operand.
// Exception: an `id` read by a phi that stays is kept. Out of SSA, fromSSA
// coalesces such a copy with the phi for free, whereas its source, live
// across the join, would interfere with the phi and cost copies there (on
// ray-bbox-intersection, a swap per join: more instructions than before).
// An `undef` argument is a value like any other here: a phi of `undef` and v
// is not made v (the reference would fail reading the undefined variable).
//
// Requires: SSA form with phis. Touches no control flow; invalidates
// liveness only.
#pragma once

#include "ir/IR.h"

namespace brisk {

bool propagateCopies(Function &f);

} // namespace brisk
