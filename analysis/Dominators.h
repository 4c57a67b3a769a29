// DominatorTree and DominanceFrontier over the reachable part of a CFG.
//
// DominatorTree uses the iterative algorithm of Cooper, Harvey and Kennedy
// ("A Simple, Fast Dominance Algorithm", 2001): intersect the idoms of the
// processed predecessors in reverse post-order until nothing changes. It is
// exact on irreducible CFGs too (it only needs more iterations there).
// dominates() is O(1) by DFS entry/exit numbers on the tree.
//
// DominanceFrontier: DF(b) = blocks where b's dominance ends, computed by the
// same paper's runner walk from each join point's predecessors up to its idom.
//
// Both are snapshots: they hold no reference to the CFG or function and must
// be rebuilt (see AnalysisCache) after any CFG edit. Unreachable blocks have
// no idom and dominate nothing.
#pragma once

#include "analysis/CFG.h"

#include <vector>

namespace brisk {

class DominatorTree {
public:
  explicit DominatorTree(const CFG &cfg);

  // Immediate dominator; kNoBlock for the entry and unreachable blocks.
  BlockId idom(BlockId b) const { return idom_[b]; }
  // In reverse post-order of the CFG.
  BlockRange children(BlockId b) const {
    return {child_.data() + childBegin_[b], childBegin_[b + 1] - childBegin_[b]};
  }
  // Reflexive: every reachable block dominates itself.
  bool dominates(BlockId a, BlockId b) const;
  bool strictlyDominates(BlockId a, BlockId b) const { return a != b && dominates(a, b); }
  bool reachable(BlockId b) const { return pre_[b] != kNone; }
  // Depth in the tree (entry = 0).
  unsigned depth(BlockId b) const { return depth_[b]; }
  // Reachable blocks in a pre-order walk of the tree (parents before children,
  // children in reverse post-order of the CFG).
  const std::vector<BlockId> &preorder() const { return preorder_; }

private:
  static constexpr unsigned kNone = ~0u;
  std::vector<BlockId> idom_;
  // Children grouped by parent: child_[childBegin_[b], childBegin_[b + 1]).
  std::vector<uint32_t> childBegin_;
  std::vector<BlockId> child_;
  std::vector<unsigned> pre_, post_, depth_;
  std::vector<BlockId> preorder_;
};

class DominanceFrontier {
public:
  DominanceFrontier(const CFG &cfg, const DominatorTree &dom);
  const BlockList &frontier(BlockId b) const { return df_[b]; }

private:
  std::vector<BlockList> df_;
};

} // namespace brisk
