// unrollForCoalescing: unrolls hot innermost loops by two so that the copies
// their back edge needs disappear (modulo variable expansion), on plain Bril.
//
// Why. Out of SSA, a loop-carried variable whose next value is computed
// while the old one is still read needs a copy per iteration:
//     .L: q = div a two; r = sub a q2; ...; a = id q; br c .L .X
// `a` and `q` interfere, so fromSSA cannot give them one name. In two copies
// of the body, the first copy's `q` feeds the second copy, and the second
// copy's `q` is defined after the last read of `a`, so both phis coalesce
// and the copies vanish: per two iterations the body runs with no `id`.
//
// What it builds. For a chosen natural loop with header H and blocks S, every
// block of S gets a clone (fresh labels, same variables), laid out after the
// last block of S. Fall-throughs inside S are made explicit first. An edge of
// the original into H (a back edge) goes to H's clone; an edge of a clone into
// H goes to the original H; other edges inside S go to the same copy's block;
// exits keep their targets in both copies. So the loop alternates between the
// two copies and every exit test still runs in every iteration: the program
// does exactly what it did, iteration by iteration. Then the function takes
// an SSA round trip (toSSA, copy propagation, fromSSA, simplifyCFG), which
// does the renaming.
//
// Which loops. In a function with no speculation, phi, set or get:
// innermost, not headed by the entry, at most maxLoopSize instructions,
// holding at least one `id`;
// with weights: the header ran at least minHeaderCount times and at least
// minTripsPerEntry times per entry; the function stays within sizeLimit.
// Whether the copies really vanish depends on liveness after the round trip
// (when a loop-carried variable is also read after the loop, fromSSA's greedy
// coalescing may keep its copy): the pipeline keeps the result only when the
// re-profiled dynamic count of the function went down (transforms/Pipeline.cpp).
//
// Requires plain form (no phis). Returns true when it changed `f`, and then
// leaves `f` as it was in *before when given; the function's profile
// weights are stale afterwards.
#pragma once

#include "ir/IR.h"
#include "transforms/superblocks/ProfileWeights.h"

#include <cstddef>
#include <limits>

namespace brisk {

struct CopyUnrollOptions {
  size_t maxLoopSize = 40;        // instructions in the loop's blocks
  double minHeaderCount = 8;      // header executions in the profile
  double minTripsPerEntry = 2;    // header executions per entry into the loop
  size_t sizeLimit = std::numeric_limits<size_t>::max(); // function instructions after
};

bool unrollForCoalescing(Function &f, const FunctionWeights *weights,
                         const CopyUnrollOptions &options = {}, Function *before = nullptr);

} // namespace brisk
