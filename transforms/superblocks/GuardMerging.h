// GuardMerging: fewer guards in a speculative region, by combining the
// conditions of guards that share a speculation and a recovery label. Plain
// form.
//
// Works on straight runs: a block without a terminator and the unlabeled
// blocks it falls into (the region emitter starts one after every guard).
// In a run, a segment is a stretch with no speculate, commit, side effect
// (print, store, alloc, free, call, set), guard to another label, or
// instruction that may trap (div, int2char, load) between its guards; a div
// whose divisor holds the value an earlier div of the run already divided by
// cannot trap (it did not then), so it does not end a segment. Inside a
// segment, a guard may fail later than where it stood: what runs in between
// is pure and cannot trap, so it changes no memory and shows nothing, its
// variables are rolled back by the failure, and every guard of the segment
// recovers at the same label from the same `speculate`. Only the work thrown
// away grows; the cost model pays for it (RegionEmitter).
//
// Two rewrites, each executing no more instructions than before:
//   1. implied guards: `guard c1` is deleted when a later guard of the
//      segment on `c2` implies c1. The facts are float orders along
//      monotone chains (an unrolled loop's exit tests): c = fle/flt x y (or
//      the mirrored fge/fgt y x), and the later test's x was reached from
//      the earlier one's by `fadd x k` (or `fsub x -k`) with k a positive
//      float constant, against the same y (or x the same and y reached by
//      `fsub y k`): when the later test passes, its value is not NaN, so
//      neither was the earlier one, and rounding is monotone, so the
//      earlier test passed too. Ints wrap around and are left alone.
//   2. negated guards: `n_i = not x_i; guard n_i` for i = 1..b (each n_i
//      read by its guard only) become, De Morgan, `acc = or acc x_i` where
//      each guard stood and `n = not acc; guard n` where the last one stood
//      (a value redefined before the next `or` reads it is first kept with
//      `id`). 2b instructions become b + 1 (+1 for a kept value): a segment
//      needs at most one `not`. Done when that is no more instructions.
// A merged guard's condition is read where it stood, before anything
// redefines it. One pass over each run; no fixpoint. Invalidates nothing
// but instruction positions (no block is added or removed).
#pragma once

#include "ir/IR.h"

#include <vector>

namespace brisk {

// A guard that ended block `from` and now fails with the guard in block `to`
// (later in the same run).
struct GuardMove {
  BlockId from, to;
};

// Returns whether anything changed; `moves`, when given, receives every
// guard that now fails at a later guard.
bool mergeGuards(Function &f, std::vector<GuardMove> *moves = nullptr);

} // namespace brisk
