// CostModel: the expected dynamic instruction count of a superblock region,
// in the reference interpreter's exact measure (every executed instruction
// costs 1, jmp/speculate/guard/commit included, labels are free, work done
// before a failed guard is still paid).
//
// The model is a flow model over the trace. A region for a trace with head
// count H is entered with flow e; a copy of trace piece i in iteration j runs
// with flow e * s^j * (product of the on-trace probabilities before piece i),
// where s is the probability of completing one iteration on the trace. For a
// loop unrolled K times, flow that completes the chunk goes back to the entry,
// so e = H (1 - s) / (1 - s^K) (H / K when s = 1); otherwise e = H.
//
//   before = sum over region positions of flow x (original size of the piece)
//   after  = sum over region blocks of flow x (size after cleanup)
//          + sum over guards of failing flow x (original work from the
//            recovery label up to the guard, which runs again after rollback)
//   saving = before - after
//
// The emitter gives every region block a single flow (it starts a new,
// unlabeled, fall-through block after each guard, which costs nothing), so
// `after` is measured on the IR after folding and dead-code elimination.
// Flow that leaves the trace reaches the same original code as before and is
// not counted on either side (a side exit's stub is counted in `after`).
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/DenseMap.h>

namespace brisk {

// Entry flow e of a region (see above).
double regionEntryFlow(double headCount, double iterationSurvival, unsigned unroll, bool loop);

// Dynamic instructions of the blocks in `flow` (block -> flow), as they are
// now in `f`; dead blocks are skipped.
double regionCost(const Function &f, const llvm::DenseMap<BlockId, double> &flow);

// Instructions one execution of block `b` costs (its instruction count).
inline double blockCost(const Function &f, BlockId b) { return double(f.block(b).instrs.size()); }

} // namespace brisk
