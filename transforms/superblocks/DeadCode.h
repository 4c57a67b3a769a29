// DeadCode: speculation-aware dead-code elimination and CFG clean-up, on
// plain (non-SSA) Bril.
//
// eliminateDeadCode removes pure instructions (EffectClass::Pure, with a
// destination) whose result is not live, except reads of a variable that may
// be unassigned there (analysis/DefiniteAssignment.h, asked once per call):
// those fail under brili. Liveness is the usual backward fixpoint over
// ordinary edges (terminator targets and fall-through), with one rule for
// speculation: a failed `guard` restores every variable to its
// value at the matching `speculate`, so a guard keeps nothing but its
// condition alive; instead the `speculate` keeps alive everything live into
// the labels of the guards it governs (found by walking forward from it over
// ordinary edges until `commit`). A guard that no such walk reaches is
// treated conservatively, as an edge to its label. This is where speculation
// beats a branch side exit: inside a speculative region a value needed only
// by the recovery path is dead. Iterates until nothing more is removed (at
// most 16 rounds). Live sets are solved by a worklist, as rows of bits
// while those are small for the function's size (analysis/Liveness.h,
// chooseLivenessForm), else as sorted variable lists: then a round costs
// the function's size plus what is live at block entries, not blocks x
// variables, linear on a large function whose blocks each have few live
// variables. Those lists leave out, in a function without speculation, a
// variable defined once and read in a block its definition strictly
// dominates (or later in its block): it is live after its definition
// whatever the sets would say, so a value computed at the top of a large
// function and read at its end costs no entry in every block between.
//
// removeUnreachableBlocks drops blocks no path from the entry reaches
// (guard edges count as paths); removeJumpsToNext deletes a `jmp` to the
// block that follows in the layout (the fall-through costs nothing).
//
// speculativeLiveIn returns the variables live into each block (indexed by
// BlockId, sized to the arena; each set sorted) by that same
// speculation-aware rule, for a caller that works on part of the function
// and must keep alive at its boundary what the rest needs
// (SuperblockFormation's region scratch). `plain`: the caller saw that f has
// no speculate, guard, phi, set or get; then only each block's terminator
// is read before the sets are solved, not every instruction.
//
// Requires plain form (no phis). Invalidates liveness; the CFG functions
// invalidate every analysis.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>

#include <vector>

namespace brisk {

// Per block (by BlockId, sized to the arena), the sorted variables live
// into it: one flat list with each block's start, not a vector per block
// (on a large function, an allocation per block cost more than the sets).
class LiveSets {
public:
  size_t size() const { return start_.empty() ? 0 : start_.size() - 1; }
  llvm::ArrayRef<VarId> operator[](BlockId b) const {
    return llvm::ArrayRef<VarId>(vars_).slice(start_[b], start_[b + 1] - start_[b]);
  }
  // Appends the set of the next block.
  void push(llvm::ArrayRef<VarId> vars) {
    if (start_.empty())
      start_.push_back(0);
    vars_.insert(vars_.end(), vars.begin(), vars.end());
    start_.push_back(uint32_t(vars_.size()));
  }
  void reserve(size_t blocks, size_t vars) {
    start_.reserve(blocks + 1);
    vars_.reserve(vars);
  }

private:
  std::vector<uint32_t> start_;
  std::vector<VarId> vars_;
};

bool eliminateDeadCode(Function &f);
// eliminateDeadCode, then removeUnreachableBlocks, whose walk then looks
// into the blocks that hold a guard only (the rest it knows from the first).
bool eliminateDeadAndUnreachableCode(Function &f);
bool removeUnreachableBlocks(Function &f);
bool removeJumpsToNext(Function &f);
LiveSets speculativeLiveIn(const Function &f, bool plain = false);

} // namespace brisk
