// LoopPreheaders: gives every natural loop a preheader -- a block outside the
// loop whose only successor is the header and which is the header's only
// predecessor from outside the loop -- when that costs no executed jump.
//
// A loop already has one when its header has a single outside predecessor
// that has no other successor. Otherwise a new empty block is laid out right
// before the header: the block that fell through into the header now falls
// into it, and every other outside predecessor's `jmp`/`br` is retargeted to
// it. The header's phis keep one entry from the preheader; when several
// outside predecessors fed a phi, the preheader gets a phi merging them. If
// the block laid out before the header is itself in the loop and falls
// through into it, a preheader there would need a jump on the back edge, so
// that loop is left without one.
//
// LICM and LoopRotation call this first. Requires SSA form with phis.
// Invalidates every analysis when it returns true. Not iterative: one pass
// over the loops of the original CFG (loops sharing a header are one loop).
//
// The AnalysisCache form takes the CFG, dominators and loops from `facts`
// (of `f`) and calls facts.invalidateCFG() when it changes anything: a pass
// that calls it first keeps using those facts when every loop already had
// its preheader, instead of building them a second time.
#pragma once

#include "ir/IR.h"

#include <string>

namespace brisk {

class AnalysisCache;
class CFG;
class LoopInfo;

bool insertPreheaders(Function &f);
bool insertPreheaders(Function &f, AnalysisCache &facts);

// The preheader of the loop headed by `header` (see above), or kNoBlock.
BlockId preheaderOf(const Function &f, const CFG &cfg, const LoopInfo &loops, BlockId header);

// "x.3" -> "x": the name toSSA versioned, as a hint for fresh variables so
// that fromSSA's coalescing by original name still applies.
std::string originalName(std::string_view versioned);

} // namespace brisk
