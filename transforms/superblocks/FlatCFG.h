// FlatCFG: the CFG of analysis/CFG.h (the same edges, the same reverse
// post-order, the same predecessor lists in the same order) in flat arrays
// that one object keeps from build to build. The superblock pass asks for
// the CFG of a small region scratch several times per trace candidate
// (GuardFacts, the emitter's loop body), and there the lists per block of
// CFG cost more in allocation than in work. Rebuild after any edit.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>

#include <vector>

namespace brisk {

class FlatCFG {
public:
  void build(const Function &f);

  BlockId entry() const { return entry_; }
  size_t numBlocks() const { return numBlocks_; }
  // As CFG::succs and CFG::preds (predecessors: reachable blocks only).
  llvm::ArrayRef<BlockId> succs(BlockId b) const {
    return {succ_.data() + succBegin_[b], succCount_[b]};
  }
  llvm::ArrayRef<BlockId> preds(BlockId b) const {
    return {pred_.data() + predBegin_[b], predBegin_[b + 1] - predBegin_[b]};
  }
  const std::vector<BlockId> &rpo() const { return rpo_; }
  bool reachable(BlockId b) const { return rpoIndex_[b] != kNotReached; }
  unsigned rpoIndex(BlockId b) const { return rpoIndex_[b]; }

  static constexpr unsigned kNotReached = ~0u;

private:
  BlockId entry_ = kNoBlock;
  size_t numBlocks_ = 0;
  std::vector<uint32_t> succBegin_, succCount_, predBegin_, predAt_;
  std::vector<BlockId> succ_, pred_, rpo_, post_;
  std::vector<unsigned> rpoIndex_;
  std::vector<std::pair<BlockId, unsigned>> stack_;
};

} // namespace brisk
