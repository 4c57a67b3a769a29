// LoopCarriedGVN: value numbering across loop iterations, through the
// header's phis. A value the bottom of one iteration computes is reused at the
// top of the next:
//
//     H:  x = phi [P: x0] [L: x']          H:  x  = phi [P: x0] [L: x']
//         a = fmul x x               =>        a  = phi [P: a0] [L: b]
//         ...                                  ...
//     L:  x' = ...; b = fmul x' x'         L:  x' = ...; b = fmul x' x'
//                                          P:  ...; a0 = fmul x0 x0 (or an equal
//                                              value P already has)
//
// (mandelbrot's x*x and y*y after loop rotation.) An instruction I in a loop
// qualifies when it is Pure (never `div` or `int2char`: the copy in P would
// run where I may not), not a phi, const, copy, get or undef; each operand is
// a phi of the loop's header or defined outside the loop, at least one a phi;
// the loop has one latch L and a preheader P; the expression with every phi
// replaced by its argument from L is already computed by an instruction whose
// block dominates L (so it ran on every path to the back edge, in the same
// iteration); and no operand's argument from P is an `undef` (a read of a
// possibly undefined variable traps: it must not move into P). Then I's value
// in iteration k+1 is that instruction's value in iteration k, and in the
// first iteration the expression of P's arguments, which is computed in P
// unless P already has it.
//
// Costs: the phi is free only when out-of-SSA can give it and the latch value
// one variable, so I is rewritten only when every use of I comes before the
// latch value's definition (in a block that strictly dominates it, or earlier
// in its block) and no phi reads I. A new instruction in P runs once per loop
// entry against one saved per iteration.
//
// Requires SSA form with phis. Inserts preheaders (transforms/loops/
// LoopPreheaders.h), so it may change the CFG; invalidates every analysis
// when it returns true. One sweep over the loops (not a fixpoint); run GVN
// first, so equal expressions have one name.
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool reuseValuesAcrossIterations(Function &f);
// The AnalysisCache form takes the CFG, dominators and loops from `facts` (of
// `f`) and leaves them describing `f` on return (the pipeline hands the same
// facts to the next loop pass: PassContext::retainedFacts).
bool reuseValuesAcrossIterations(Function &f, AnalysisCache &facts);

} // namespace brisk
