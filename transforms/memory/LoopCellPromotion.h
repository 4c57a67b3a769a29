// LoopCellPromotion: a heap cell that a loop reads and writes at one
// loop-invariant address lives in an SSA value while the loop runs, and is
// written back once on each exit edge. `acc[i] += x[j]` in a loop on j then
// runs no load and no store per iteration.
//
// A cell (a pointer p defined outside loop L, with every pointer that must
// alias it) is promoted in L when
//   - L stores to it at least once;
//   - every load and store of L that may alias p must alias it (analysis/
//     MemoryAlias.h), no free of L may free p's object and no call of L may
//     reach p (read or write it);
//   - its value on entry is known without a new access: on the straight-line
//     path that ends at L's preheader, a store to the cell or a load of it
//     ran, with nothing after it that may change or free the cell; or L's
//     header reads the cell before anything else that may trap or has an
//     effect, and that load moves to the end of the preheader.
// Then the loads of the cell in L read the SSA value that reaches them
// (phis where paths of L meet, the header's merging the entry value and the
// back edges'), its stores define that value and go away, and every exit
// edge of L gets one `store p value` (on a new block when the exit's target
// has other predecessors).
//
// Why brili shows the same: the access that gave the entry value ran on
// every path into L (or, hoisted, runs where L's first iteration ran it), so
// the cell is allocated, in bounds and initialized; nothing in L frees it, so
// no removed load or store could have trapped, and a stored value is seen
// only by loads of the same cell, which now read it directly. Nothing
// outside L can look at the cell before L exits (no call of L reaches it),
// and an exit stores what the last store of the path wrote. A run that traps
// or never ends inside L leaves no stored value anyone sees (brili checks
// leaks only at a normal exit, and the cell's allocation is unchanged).
//
// Requires SSA form with phis, no speculation. Inserts preheaders and
// exit-edge blocks (invalidates every analysis when it returns true). With
// `memoryWriters` (analysis/MemoryAlias.h functionsThatWriteMemory), a call
// of a function that never stores or frees does not end the search for the
// entry value.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/StringSet.h>

namespace brisk {

class AnalysisCache;
struct MemoryOps;

bool promoteLoopCells(Function &f, const llvm::StringSet<> *memoryWriters = nullptr);
// The AnalysisCache form takes the CFG, dominators and loops from `facts` (of
// `f`) and leaves them describing `f` on return (the pipeline hands the same
// facts to the next loop pass: PassContext::retainedFacts). `ops`, when
// given, says whether f has a store now (analysis/MemoryAlias.h
// MemoryFacts): without one the pass only inserts the preheaders, and does
// not walk f to find that out.
bool promoteLoopCells(Function &f, const llvm::StringSet<> *memoryWriters, AnalysisCache &facts,
                      const MemoryOps *ops = nullptr);

} // namespace brisk
