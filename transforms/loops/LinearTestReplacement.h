// LinearTestReplacement: linear function test replacement over SSA. A loop
// whose counter i is read by nothing but its own update and one exit test
// gets that test rewritten onto another integer induction variable j of the
// same loop, so i, its update and its phi die (aggressive DCE removes them):
// one instruction less per iteration, a few more per loop entry.
//
//   H: i = phi i0 i'; j = phi j0 j'       H: j = phi j0 j'
//      ...; i' = add i 1; j' = add j 3  =>   ...; j' = add j 3
//      c = lt i' n; br c H X                  c = eq j J; br c X H
//   (J = j0 + 3 x (n - (i0 + 1)), computed before the loop)
//
// What it matches. A loop with a preheader and one latch; an exit block E
// of the loop (its innermost loop is this one, it dominates the latch, so it
// runs once per iteration) ending in `br c` with one target in the loop and
// one outside, c read by nothing else. c compares x, i's phi or its update
// (through `id` copies), with n, defined outside the loop and never `undef`,
// meaning "continue while x < n" with i's step +1, "x > n" with step -1, or
// "x != n" (`eq` leaving the loop) with any odd step. i is a header phi whose
// latch value is `add i s`, `add s i` or `sub i s` (s an int `const`),
// computed in a block that dominates the latch; i and its update are read
// by nothing but each other and c. j is another int header phi, not `undef`
// on entry, with a constant odd step t of the same shape, read by something
// besides its own update.
//
// Why it is exact, wrap-around included. In iteration k (k = 0, 1, ...) the
// test reads x_k = x_0 + k s and j holds j_0 + k t (mod 2^64). For "x != n"
// with s odd, the loop leaves at the first k with x_k = n, the unique
// K = (n - x_0) / s in [0, 2^64). For "x < n", s = 1, when x_0 <= n: x climbs
// from x_0 to n without wrapping, so x_k < n exactly while k < K = n - x_0
// (the test leaves at K at the latest); "x > n", s = -1, mirrors it with
// x_0 >= n. x_0 <= n (resp. >=) is proven from constants or from the branch
// that leads to the preheader (the guard loop rotation leaves: `lt i0 n`
// taken, x_0 being i0, or i0 + 1 when the test reads the update). Every
// test then reads j_0 + k t != J with J = j_0 + t K = j_0 + (t/s)(n - x_0),
// and for t odd, j_0 + k t = J mod 2^64 holds exactly when k = K. (When j's
// update comes before the test, the test reads it, j_0 + (k+1) t, against
// J + t: out of SSA, reading the phi after the update would cost a copy per
// iteration.) So every
// evaluation gives the original outcome: no iteration more or less, a loop
// that never ended still never ends, and no instruction that may trap moves
// (only add, sub, mul and const are added, before the loop).
// Pointers cannot be compared in Bril (eq, lt, ... take ints), so j is an
// integer induction variable only: a loop whose other induction variables
// are all pointers keeps its counter.
//
// Requires SSA form with phis; inserts preheaders. Adds instructions before
// loops and rewrites tests: invalidates every analysis when it returns true.
// Constants it emits stay within +-2^53 (brili reads JSON numbers as doubles).
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool replaceExitTests(Function &f);
// The AnalysisCache form takes the CFG, dominators and loops from `facts` (of
// `f`) and leaves them describing `f` on return (the pipeline hands the same
// facts to the next loop pass: PassContext::retainedFacts).
bool replaceExitTests(Function &f, AnalysisCache &facts);

} // namespace brisk
