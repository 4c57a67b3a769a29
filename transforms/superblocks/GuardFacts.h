// GuardFacts: folding under the facts that guards and branch directions
// imply, by local value numbering over extended basic blocks (a superblock
// is one: straight-line code whose only entry is its top). Plain form.
//
// Blocks are visited in reverse post-order. A block inherits the table of its
// predecessor when it has exactly one, reached by an ordinary edge (never by
// a guard's failure edge: a failed guard rolls variables back, so nothing
// learned after the `speculate` holds at its label); every other block starts
// empty. The table maps variables to value numbers, expressions over value
// numbers to value numbers, and value numbers to known constants.
//
// Facts:
//   - after `guard c`, c is true; on the edges of `br c .x .y`, c is true
//     into x and false into y (when x != y);
//   - a known comparison implies its inverse and its mirror (`lt a b` true:
//     `ge a b` false, `gt b a` true); `eq a b` true makes a and b share a
//     known constant; `not a` known gives a.
// Rules (each keeps the type and never grows the IR):
//   1. an instruction that recomputes the value its destination already
//      holds is deleted (unrolled loop copies re-running `one = const 1`);
//   2. an operation whose operands are known constants, or whose value the
//      facts know, becomes a `const` (int add/sub/mul wrap; comparisons and
//      boolean operations; div is never folded; never to an int beyond
//      +-2^53, which the reference interpreter would read rounded);
//   3. `guard c` with c known true is deleted (already implied);
//   4. `br c .x .y` with c known becomes `jmp` to the known side, and a jmp
//      to the next block in the layout is deleted.
// A guard known to fail is left alone: the trace was wrong, and turning it
// into an unconditional exit would only hide that. Loads, calls and allocs
// always get fresh value numbers. One pass, no fixpoint.
#pragma once

#include "ir/IR.h"

namespace brisk {

bool propagateGuardFacts(Function &f);

} // namespace brisk
