// PostDominatorTree and ControlDependence over the reachable part of a CFG.
//
// Post-dominance is dominance on the reversed CFG from a virtual exit node
// that every exit block (no successors: `ret`, or falling off the end) jumps
// to. Blocks that reach no exit (an infinite loop) would have no post-
// dominator at all: each such region gets an edge to the virtual exit from
// one of its blocks (the last in RPO of those not yet reaching an exit, until
// every block does), so every reachable block is post-dominated by the
// virtual exit. The tree uses the iterative algorithm of Cooper, Harvey and
// Kennedy, like DominatorTree.
//
// ControlDependence: block x depends on the branch ending block b when x
// post-dominates a successor of b but not b itself; computed as the post-
// dominance frontier with the same runner walk as DominanceFrontier.
//
// Snapshots: rebuild after any CFG edit. Unreachable blocks have no
// post-dominator and depend on nothing.
#pragma once

#include "analysis/CFG.h"

#include <vector>

namespace brisk {

class PostDominatorTree {
public:
  explicit PostDominatorTree(const CFG &cfg);

  // Immediate post-dominator; kNoBlock when it is the virtual exit (and for
  // unreachable blocks).
  BlockId ipdom(BlockId b) const { return ipdom_[b]; }
  // Reflexive: every reachable block post-dominates itself.
  bool postDominates(BlockId a, BlockId b) const;
  bool reachable(BlockId b) const { return pre_[b] != kNone; }
  // Successors in the graph the tree was built on: the block's CFG
  // successors, plus kNoBlock (the virtual exit) for exits and for the
  // blocks given an edge out of an infinite loop.
  const BlockList &exitingSuccs(BlockId b) const { return succs_[b]; }

private:
  static constexpr unsigned kNone = ~0u;
  std::vector<BlockId> ipdom_;
  std::vector<BlockList> succs_;
  std::vector<unsigned> pre_, post_;
};

class ControlDependence {
public:
  ControlDependence(const CFG &cfg, const PostDominatorTree &pdom);
  // The blocks whose branch decides whether `b` runs.
  const BlockList &dependsOn(BlockId b) const { return deps_[b]; }

private:
  std::vector<BlockList> deps_;
};

} // namespace brisk
