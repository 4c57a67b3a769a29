// fromSSA: translates a function out of SSA form back to ordinary Bril,
// following Boissinot et al. ("Revisiting Out-of-SSA Translation for
// Correctness, Code Quality, and Efficiency", CGO 2009):
//
//  0. Split every critical edge that carries a phi argument (its source
//     has other successors): the copies for that edge get a block of their
//     own, so they never clobber what the other successors read and never
//     force the phi's result apart from its arguments.
//  1. Isolate every phi: its argument from predecessor p becomes a fresh
//     variable written by a copy at the end of p (before p's terminator),
//     its result a fresh variable copied to the old one after the phis. The
//     copies at one program point form a parallel copy. This alone is
//     correct for the lost-copy and swap problems.
//  2. Coalesce: a phi and its isolated operands share one name; then each
//     copy merges its two names when no pair of variables in the two classes
//     interferes, greedily by what the copy would cost if it stayed: first
//     the isolation copies, by the estimated frequency of their block (a
//     static estimate: loops run 8 times, loop exits and skipped loops are
//     rare), a phi's result before its arguments; then the program's own
//     `id`s likewise. Interference is live-range intersection refined by
//     value: two variables that hold the same value (one is a copy of the
//     other) never interfere. Classes with the same original name are then
//     merged too when they do not interfere, so names come back as written.
//     Live ranges are built only for the variables these tests can involve
//     (copy sides, and versions whose name another variable also claims): a
//     value the program computes once and reads much later, live across
//     most blocks, gets none.
//  3. Rename every variable to its class name (the original name, recovered
//     from the `<original>.<n>` spelling toSSA gives versions; parameters
//     keep theirs), drop phis and copies whose two sides now agree, and
//     sequentialize what remains of each parallel copy (a cycle costs one
//     temporary). An argument copy whose source is a `const` that could not
//     share the phi's name writes the constant again instead (same cost,
//     and the original `const` may lose its last reader).
//  4. Place split-edge copies: a split block left empty is removed (the
//     branch goes straight to its target again). A copy that several split
//     edges out of one block make runs once at the end of that block when the
//     other edges do not read what it writes. A split block's copies move to
//     the end of its source when no other successor reads what they write
//     and the estimated cost there is no higher than on the edge (copies plus
//     a jump); otherwise the block stays, placed to fall into its target
//     when the block before the target does not. So a jump is added only
//     when a copy must run on one edge alone.
//  5. A `const` nobody reads any more is deleted.
//
// Phi arguments that are `undef` get no copy; `undef` instructions left with
// no reader are deleted.
//
// Requires: SSA form with phis (not set/get), no speculation. Returns true
// when it changed the function. Invalidates every analysis of the function.
#pragma once

#include "ir/IR.h"

namespace brisk {

struct FromSSAOptions {
  // Step 2 indexes the live ranges of a block with more definitions or reads
  // than this, so that coalescing stays linear in a long straight line. The
  // index changes only which candidate pairs are tested, never the answer:
  // a test sets 0 (index every block) and a huge value (none) and compares.
  uint32_t indexedBlockSize = 64;
};

bool fromSSA(Function &f, const FromSSAOptions &options = {});

} // namespace brisk
