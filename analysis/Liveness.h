// Liveness: which variables are live into and out of each block, by the
// usual backward fixpoint over the CFG (iterating in post-order until no set
// changes). Sets are bit vectors indexed by VarId.
//
// Works on plain Bril and on SSA with phis, with phi semantics as in
// Boissinot et al.: a phi's destination is defined at the top of its block,
// so it is in liveIn of that block; its argument for predecessor p is a use
// at the end of p, so it is in liveOut(p) and not in liveIn of the phi's
// block. Function parameters count as defined at the top of the entry.
// In set/get form, the first operand of `set` names a shadow variable and is
// not a use (see Uses.h). Unreachable blocks get empty sets.
//
// Invalidated by any instruction or CFG edit.
#pragma once

#include "analysis/CFG.h"

#include <llvm/ADT/BitVector.h>

#include <vector>

namespace brisk {

class Liveness {
public:
  Liveness(const Function &f, const CFG &cfg);

  const llvm::BitVector &liveIn(BlockId b) const { return in_[b]; }
  const llvm::BitVector &liveOut(BlockId b) const { return out_[b]; }
  bool isLiveIn(VarId v, BlockId b) const { return in_[b].test(v); }
  bool isLiveOut(VarId v, BlockId b) const { return out_[b].test(v); }

private:
  std::vector<llvm::BitVector> in_, out_;
};

// The same sets as Liveness, stored sparsely: per block, the sorted list of
// the variables live into and out of it. Built one variable at a time by
// walking backwards from its uses until its definitions, so time and memory
// are linear in the total size of the live ranges (measured in blocks)
// instead of blocks x variables, which a function of a million instructions
// cannot afford. Queries are a binary search. For passes that ask about
// single variables (FromSSA's interference test).
class SparseLiveness {
public:
  SparseLiveness(const Function &f, const CFG &cfg);

  bool isLiveIn(VarId v, BlockId b) const { return contains(in_[b], v); }
  bool isLiveOut(VarId v, BlockId b) const { return contains(out_[b], v); }
  const std::vector<VarId> &liveIn(BlockId b) const { return in_[b]; }
  const std::vector<VarId> &liveOut(BlockId b) const { return out_[b]; }

private:
  static bool contains(const std::vector<VarId> &sorted, VarId v);
  std::vector<std::vector<VarId>> in_, out_;
};

} // namespace brisk
