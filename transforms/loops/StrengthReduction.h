// StrengthReduction: induction-variable strength reduction over SSA. A value
// that is an affine function of a loop's counter, computed by a chain of
// instructions each iteration (`t = mul i size; u = add t col;
// p = ptradd base u`), becomes an induction variable of its own that one
// instruction advances per iteration (`p' = ptradd p step`, or `add` for
// ints); the chain is then dead (aggressive DCE removes it).
//
// A basic induction variable is a phi of the loop's header whose argument
// from the latch is `add φ c`, `add c φ` or `sub φ c` with c an int `const`
// defined outside the loop, computed in a block that dominates the latch.
// Affine values: the phi itself; `add`/`sub` of an affine value and an
// invariant (defined outside the loop, never `undef`), or of two affine
// values of the same phi with constant factors; `mul` of an affine value by
// an invariant (at most one invariant variable in the factor, any number of
// constants); `ptradd` of an invariant pointer and an affine offset, or of an
// affine pointer and an invariant offset. Each is a x φ + b with a known
// factor a, so one iteration adds a x step to it: exact under Bril's 64-bit
// wrap-around (add, sub and mul are ring operations; brisk's pointers add
// offsets the same way) and no instruction of the chain can trap (add, sub,
// mul, ptradd; a pointer out of bounds is an error only when accessed).
//
// Roots are the affine values some other instruction reads (not affine, a
// phi, or outside the loop). Each root r gets a header phi whose value from
// the preheader is the chain recomputed there on the phi's entry value, and
// from the latch `r + a x step`, computed at the end of the latch; r's uses
// read the phi. A loop is rewritten only when that saves: the affine
// instructions that run every iteration (their block dominates the latch)
// outnumber the roots. The basic variable itself stays (its exit test reads
// it; linear function test replacement is not done here).
//
// Requires SSA form with phis and loops with a preheader and one latch (the
// others are left alone); inserts preheaders. Adds phis and instructions:
// invalidates every analysis when it returns true. One sweep, all loops
// analysed on the same snapshot.
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool reduceInductionVariables(Function &f);
// The AnalysisCache form takes the CFG, dominators and loops from `facts` (of
// `f`) and leaves them describing `f` on return (the pipeline hands the same
// facts to the next loop pass: PassContext::retainedFacts).
bool reduceInductionVariables(Function &f, AnalysisCache &facts);

} // namespace brisk
