// LoadHoisting: loads of loop-invariant addresses move out of loops, over
// SSA. A `load p` leaves a loop for the end of its preheader
// (transforms/loops/LoopPreheaders.h) when
//   - p is defined outside the loop (or by a load hoisted before it);
//   - nothing in the loop may change or free the cell: no store that may
//     alias p, no free of an object p may point into, no call that may reach
//     it (analysis/MemoryAlias.h), so every iteration reads the same value;
//   - it runs on every entry, before anything else that may trap or has an
//     effect: its block dominates every latch and every block with an exit
//     edge, and the paths from the header to it run only pure instructions
//     (and loads hoisted before it) and no inner loop.
// Then the preheader, whose only successor is the header, runs the load
// exactly where the loop would have run it first: a loop that is never
// entered never runs it (the guard LoopRotation puts before a rotated loop,
// or the header's own test, decides before the preheader), an error it
// raises is the one the first iteration raised, at the same point of the
// output, and an endless loop stays endless (no inner loop runs first).
// Inner loops go first, so a load climbs out of a whole nest.
//
// Requires SSA form with phis. Edits the CFG only by inserting preheaders
// (invalidates every analysis when it returns true). With `memoryWriters`
// (analysis/MemoryAlias.h functionsThatWriteMemory), a call of a function
// that never stores or frees does not keep a load in the loop.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/StringSet.h>

namespace brisk {

class AnalysisCache;
struct MemoryOps;

bool hoistInvariantLoads(Function &f, const llvm::StringSet<> *memoryWriters = nullptr);
// The AnalysisCache form takes the CFG, dominators and loops from `facts` (of
// `f`) and leaves them describing `f` on return (the pipeline hands the same
// facts to the next loop pass: PassContext::retainedFacts). `ops`, when
// given, says whether f has a load now (analysis/MemoryAlias.h MemoryFacts):
// without one the pass only inserts the preheaders, and does not walk f to
// find that out.
bool hoistInvariantLoads(Function &f, const llvm::StringSet<> *memoryWriters,
                         AnalysisCache &facts, const MemoryOps *ops = nullptr);

} // namespace brisk
