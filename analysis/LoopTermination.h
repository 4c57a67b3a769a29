// LoopTermination: which natural loops of an SSA function provably run a
// finite number of iterations each time they are entered.
//
// Why: Bril has no forward-progress rule (LLVM assumes one only under
// `mustprogress`), so a loop that computes nothing observable and never ends
// is still observable: the program runs forever. A pass may delete a loop, or
// a branch that decides whether control goes around it again, only when the
// loop is finite.
//
// The proof, deliberately narrow: some block E of the loop, whose innermost
// loop is this one and which dominates every latch (so it runs on every
// iteration), ends in `br c` with one successor inside the loop and one
// outside; c compares an induction variable against a value defined outside
// the loop (or a constant), and going around again requires
//   iv < bound  with a constant step of +1 (no wrap: iv < bound <= max), or
//   iv > bound  with a constant step of -1,
//   iv < bound, iv <= bound with a step k > 0 and a constant bound that
//               cannot overflow (bound + k - 1 <= max, resp. bound + k <= max),
//   the mirror images for k < 0;
// or c is `eq` and leaves the loop when true, the induction variable starts
// at a constant (on every entry from outside the loop) from which steps of k
// land exactly on the constant bound (every value lies in between: no wrap).
// The induction variable is a header phi p whose every incoming value from a
// latch is one variable p' = p + k (`add p k`, `add k p`, `sub p k` with k a
// constant, possibly through `id` copies), and c reads p or p'. Anything else
// proves nothing. A loop nested in a finite loop is judged on its own.
//
// Requires SSA form with phis (one definition per variable).
#pragma once

#include "analysis/Loops.h"

#include <vector>

namespace brisk {

// Indexed by LoopId: true when the loop is proven finite (see above).
std::vector<bool> findFiniteLoops(const Function &f, const CFG &cfg, const DominatorTree &dom,
                                  const LoopInfo &loops);
// The same, given each variable's defining instruction and its block in the
// layout (nullptr and kNoBlock for parameters and variables without one), as
// a pass that has them at hand already keeps them: saves a walk over the
// function.
std::vector<bool> findFiniteLoops(const Function &f, const DominatorTree &dom,
                                  const LoopInfo &loops, const std::vector<const Instr *> &def,
                                  const std::vector<BlockId> &defBlock);

} // namespace brisk
