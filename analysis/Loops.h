// LoopInfo: natural loops and the loop nest.
//
// A back edge is an edge t -> h whose target dominates its source; the
// natural loop of h is h plus every block that reaches a latch t without
// passing through h. Back edges to the same header form one loop. Natural
// loops with different headers are disjoint or nested, which gives the nest:
// a loop's parent is the smallest other loop containing its header.
//
// Irreducible control flow (a cycle entered at more than one block) has no
// natural loop; it is reported, not hidden: every retreating edge of the DFS
// whose target does not dominate its source is listed in irreducibleEdges().
// Blocks of such cycles belong to no loop unless a reducible loop encloses
// them.
//
// A snapshot like DominatorTree: rebuild after CFG edits.
#pragma once

#include "analysis/CFG.h"
#include "analysis/Dominators.h"

#include <utility>
#include <vector>

namespace brisk {

using LoopId = uint32_t;
inline constexpr LoopId kNoLoop = ~0u;

struct Loop {
  BlockId header = kNoBlock;
  // Small vectors: most loops are a few blocks, one latch and no child, so
  // building a LoopInfo allocates nothing per loop.
  llvm::SmallVector<BlockId, 6> blocks; // header first, then the body in RPO
  llvm::SmallVector<BlockId, 1> latches; // sources of the back edges, in RPO
  LoopId parent = kNoLoop;
  llvm::SmallVector<LoopId, 1> children;
  unsigned depth = 1;            // 1 for an outermost loop
};

class LoopInfo {
public:
  LoopInfo(const CFG &cfg, const DominatorTree &dom);

  // Ordered by header RPO, so a parent precedes its children.
  const std::vector<Loop> &loops() const { return loops_; }
  const Loop &loop(LoopId l) const { return loops_[l]; }
  // The innermost loop containing `b`, or kNoLoop.
  LoopId loopOf(BlockId b) const { return innermost_[b]; }
  // Loop nesting depth of `b` (0 outside every loop).
  unsigned depth(BlockId b) const {
    return innermost_[b] == kNoLoop ? 0 : loops_[innermost_[b]].depth;
  }
  bool isHeader(BlockId b) const { return innermost_[b] != kNoLoop && loops_[innermost_[b]].header == b; }
  bool contains(LoopId l, BlockId b) const;
  const std::vector<LoopId> &topLevel() const { return topLevel_; }

  bool irreducible() const { return !irreducibleEdges_.empty(); }
  const std::vector<std::pair<BlockId, BlockId>> &irreducibleEdges() const {
    return irreducibleEdges_;
  }

private:
  std::vector<Loop> loops_;
  std::vector<LoopId> innermost_;
  std::vector<LoopId> topLevel_;
  std::vector<std::pair<BlockId, BlockId>> irreducibleEdges_;
};

} // namespace brisk
