// LICM: loop-invariant code motion over SSA. Hoists every Pure instruction
// (not a phi, `undef` or `get`) of a loop whose arguments are all defined
// outside the loop -- or by instructions already hoisted -- to the end of the
// loop's preheader (made by LoopPreheaders.h when it costs no jump). Inner
// loops go first, so an invariant of several nested loops climbs out of all
// of them.
//
// Where from: a block that dominates every block of the loop with an exit
// edge (it runs at least once each time the loop is entered and left, so the
// dynamic cost never grows), or one that dominates every latch (it runs on
// every iteration that goes round again: the cost grows only for a loop left
// in its first iteration, by one per hoisted instruction, as LLVM's LICM
// accepts). In a `while` loop the first rule covers only the header; after
// LoopRotation the body's straight-line part qualifies too; the second rule
// adds the body of a loop whose exit test sits in a block that branches
// around the body.
// Instructions that may trap or have effects (div, load, call, ...) never
// move: they might then run on a path they did not run on before, or before
// an effect they used to follow. Nor does a `const` that only phis of the
// loop read: hoisted, it would be live around the whole loop, so it could
// never share a name with those phis, and out of SSA would write the
// constant again where the phis copy it; nothing saved, and a live range as
// long as the loop for each such constant.
//
// Requires SSA form with phis. Edits the CFG only by inserting preheaders
// (invalidates every analysis when it returns true). One pass over the loop
// nest; no fixpoint needed since hoisted definitions count as outside.
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool hoistLoopInvariants(Function &f);
// The AnalysisCache form takes the CFG, dominators and loops from `facts` (of
// `f`) and leaves them describing `f` on return (the pipeline hands the same
// facts to the next loop pass: PassContext::retainedFacts).
bool hoistLoopInvariants(Function &f, AnalysisCache &facts);

} // namespace brisk
