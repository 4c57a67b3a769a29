// LoopRotation: turns a while loop into a guarded do-while loop, over SSA.
//
//   P: ...                          P: ...; c0 = test(entry values)
//   H: phis; c = test; br c B X  =>       br c0 B X
//   B: ...                          B: phis; ...
//   L: ...; jmp H                   L: ...; c1 = test(latch values); br c1 B X
//
// The header H is copied to the end of its preheader P and of every latch L
// (each phi becoming an `id` of the value it receives from there, or an
// `undef` when that value is one, since an `id` would read it; GVN folds
// those copies away later) and deleted, so
// each iteration runs one `br` instead of a `br` and a `jmp`, and the body
// becomes a block that runs at least once per loop entry (which lets LICM
// hoist from it). SSA form is then repaired for every value H defined: phis
// go at the iterated dominance frontier of its new definitions (B and the
// exit X at least) and every old use reads the definition that reaches it;
// phis that nothing reads are removed again.
//
// A loop qualifies when it has a preheader (LoopPreheaders.h), its header
// ends in a `br` with exactly one target B in the loop whose only
// predecessor is the header, every latch reaches the header by a `jmp` or by
// falling through, and the header holds at most a few instructions (they are
// duplicated once per latch). Calls, prints and loads in the header are fine:
// each copy runs exactly when the header would have.
//
// Requires SSA form with phis. When it returns true, the CFG, dominator
// tree and dominance frontier in its AnalysisCache are those of the rotated
// function (SSA repair builds them there; the phis it adds change no edge)
// and every other fact is dropped. Rotates every qualifying loop of the function in one batch (the edits
// of different loops touch different terminators and phi entries), then
// repairs SSA once; not iterated.
#pragma once

#include "ir/IR.h"

namespace brisk {

class AnalysisCache;

bool rotateLoops(Function &f);
// The AnalysisCache form takes the CFG and loops it starts from out of
// `facts` (of `f`; the pass runner's, which for an SSA function read no
// guards: PassContext::mayHaveGuards), and keeps them true when it changes f.
bool rotateLoops(Function &f, AnalysisCache &facts);

} // namespace brisk
