// FullUnroll: a loop whose every entry runs a known, small number of
// iterations is replaced by that many copies of its body, one after the
// other, so that the copies' induction values become constants and the
// clean-up folds each copy's exit test, counter update and jump away (and
// what the memory passes then find constant: loads of cells the copies
// stored, small allocations indexed by the now constant counters).
//
// How many iterations. For an innermost loop with header H, the pass runs
// the loop in the lattice of SCCP (transforms/scalar/SCCP.h): H's phis start
// with the values their entry edges carry (a `const` outside the loop is that
// constant, any other value outside it varies), and one iteration at a time
// the body's blocks are evaluated in reverse post-order with foldConstant,
// following only the branch sides their (constant) conditions allow; the
// phis of H then take the meet of what the back edges that were followed
// carry. Iteration n whose back edges are all proven not taken is the last:
// the loop runs at most n header executions per entry. Exits the
// evaluation cannot decide (a branch on a load) may leave earlier; that is
// fine, as are calls, prints, stores and traps in the body. A loop whose
// count is not proven within maxTrips is left alone.
//
// What it builds. Out of SSA (fromSSA keeps the blocks' ids), every block of
// the loop is copied n times (fresh labels, the same variables) and laid out
// before H, fall-throughs made explicit: copy k's back edges go to copy k+1's
// header, copy n's to H itself, edges into H from outside the loop go to copy
// 1's header, and every exit keeps its target. So the program does exactly
// what it did, instruction by instruction -- every test still runs, every
// trap and every effect in its place, an endless path stays endless -- and
// the original loop stays behind the last copy as its remainder. Then
// the function goes back into SSA and is cleaned up (SCCP, scalar
// replacement, load elimination, copy propagation, ADCE, simplifyCFG).
//
// All at once. Every innermost loop with a count is unrolled in one batch:
// one copy of the function to go back to, one SSA round trip, one clean-up,
// repeated while it changes something, up to once per loop of the batch
// (one loop at a time, what one clean-up folded fed the next loop's). The
// batch is kept only when the clean-up deleted every loop's remainder (SCCP
// proved each H unreachable, as the counts promised), the function then
// holds at most sizeLimit instructions (or no more than before), and, for a
// batch of several, at most maxFunctionSize; otherwise the function goes back
// to what it was and the batch's loops are tried one at a time, under the
// same rule, up to the first one kept. A loop whose count is not proven
// costs no copy of the function. After a batch went, the loops around it may
// have become innermost with counts of their own: the pass repeats until no
// loop qualifies, trying at most 48 loops per call.
//
// Which loops: innermost natural loops not headed by the entry, in a function
// without speculation, set or get, of at most maxFunctionSize instructions,
// with n x (the loop's instructions) at most maxUnrolledSize.
//
// Requires SSA form with phis; leaves the function in SSA form. Invalidates
// every analysis of the function when it returns true.
#pragma once

#include "ir/IR.h"

#include <cstddef>
#include <limits>

namespace brisk {

struct FullUnrollOptions {
  unsigned maxTrips = 64;          // header executions per entry
  size_t maxUnrolledSize = 512;    // trips x loop instructions, before the clean-up
  size_t maxFunctionSize = 2000;   // larger functions are left alone (compile time)
  size_t sizeLimit = std::numeric_limits<size_t>::max(); // function instructions after
};

// The header executions per entry the evaluation above proves for the loop
// headed by `header` of SSA function `f`, or 0 when it proves none within
// `maxTrips`. Exposed for tests.
unsigned constantTripCount(const Function &f, BlockId header, unsigned maxTrips);

// What one call did, for tests: the batches it tried (a batch of one
// included), the loops it retried alone after their batch was rejected, and
// the loops it unrolled.
struct FullUnrollStats {
  unsigned batches = 0;
  unsigned alone = 0;
  unsigned unrolled = 0;
};

bool unrollLoopsFully(Function &f, const FullUnrollOptions &options = {},
                      FullUnrollStats *stats = nullptr);

} // namespace brisk
