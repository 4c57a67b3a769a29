// RegionEmitter: emits one superblock region (one candidate form of one
// trace) into a function, cleans it up with GuardFacts, GuardMerging (the
// guards of one speculation and label combined; a guard that now fails
// later is charged the blocks it runs on and the work it throws away) and
// speculation-aware dead-code elimination, and measures it with the
// CostModel. The emission
// seam of SuperblockFormation (see SuperblockFormation.h for the region
// shape); formSuperblocks searches the candidates and decides among them.
#pragma once

#include "ir/IR.h"
#include "transforms/superblocks/ProfileWeights.h"
#include "transforms/superblocks/SuperblockFormation.h"
#include "transforms/superblocks/TraceSelection.h"

#include <optional>
#include <string>

namespace brisk {

// One form of a trace's region.
struct Candidate {
  bool speculative = false;
  unsigned unroll = 1;
  bool counted = false; // loop: one guard per chunk replaces the exit tests
};

// What emitting a candidate gave: whether it could be built, its expected
// cost before and after (CostModel.h), and what it contains.
struct Outcome {
  bool ok = false;
  std::string failure;
  double before = 0, after = 0;
  double overhead = 0, redo = 0; // expected speculate/commit/not/jmp; work redone
  unsigned guards = 0, sideExits = 0, commitsForEffects = 0, sunkEffects = 0;
  bool usedSpeculation = false;
  // A speculative candidate that emitted and cleaned up exactly what the
  // branch form of the same unroll factor does: nothing split, guardable,
  // kept out of the redirection or merged (GuardMerging). The search then
  // need not build that branch form.
  bool sameAsBranchForm = false;
  long long growth = 0;
  double saving() const { return before - after; }
};

// Emits the region of `trace` in the form `candidate` into `f` (a scratch
// copy while candidates are compared) and measures it. `weights` are updated
// with the flows the cost model assigned. With `hintLabels` (f is a region
// scratch, whose new labels only hint the names the splice gives in the real
// function) new blocks are labeled by the hint alone (`sb`, `sb.exit`), not
// by a fresh, unique label: that costs a string and a set insertion a block.
Outcome emitRegion(Function &f, FunctionWeights &weights, const Trace &trace,
                   const SuperblockOptions &options, Candidate candidate,
                   bool hintLabels = false);

// Emits the plain (branch) form of loop trace `trace` unrolled `unroll`
// times into `f` (a scratch, consumed) and runs GuardFacts alone: whether
// it left every block of the region as emitted; nullopt when the form
// cannot be built. GuardFacts visits the region's blocks in order, each
// inheriting its predecessor's table, from an empty one at the entry (a
// loop region's entry has two predecessors at least): what it does to the
// first k iterations is the same for every unroll factor of at least k.
// So one answer for the largest factor answers for every smaller one
// (SuperblockFormation's bound on a trace's saving).
std::optional<bool> regionFoldsNothing(Function &f, FunctionWeights &weights, const Trace &trace,
                                       const SuperblockOptions &options, unsigned unroll);

} // namespace brisk
