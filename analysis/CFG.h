// CFG: successors, predecessors and reverse post-order of a function's
// blocks, computed from scratch from a `const Function&`.
//
// Edges, as Bril defines control flow: `jmp` and `br` go to their labels
// (a `br` with both labels equal is one edge); `ret` has no successor; a block
// without a terminator falls through to the next block in the layout, or
// leaves the function when it is the last one. A `guard` inside a block adds
// an edge to its abort target (listed after the ordinary successors), because
// control can reach that label from there. The entry is layout[0], whether or
// not it has a label, and may itself be a branch target.
//
// Side tables are indexed by BlockId and sized to the whole arena; dead
// blocks and blocks unreachable from the entry have no edges in the RPO and
// are reported by reachable(). Predecessor lists hold only reachable blocks,
// so that a phi's incoming list and preds() agree.
//
// The edges live in flat arrays (successors in layout order, predecessors
// grouped by block with a counting sort), not in a list per block: building
// a CFG is then a few allocations whatever the function's size, and passes
// that rebuild it after each edit pay for the walk over the instructions
// (the guard scan), not for the allocator.
//
// Invalidated by any edit to terminators, guards, labels or the layout.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/STLFunctionalExtras.h>
#include <llvm/ADT/SmallVector.h>

#include <vector>

namespace brisk {

using BlockList = llvm::SmallVector<BlockId, 2>;
// A view of blocks owned by an analysis (CFG edges, dominator-tree children):
// valid while that analysis lives.
using BlockRange = llvm::ArrayRef<BlockId>;

// The successors of `b` as written (no reachability filtering).
BlockList blockSuccessors(const Function &f, BlockId b);
// The layout successor `b` falls through to, or kNoBlock when `b` ends with a
// terminator or is last. Searches the layout: O(blocks) per call, so a loop
// over blocks should use fallthroughs() or CFG::fallthrough() instead.
BlockId fallthroughOf(const Function &f, BlockId b);
// fallthroughOf for every block at once (indexed by BlockId, sized to the
// arena; kNoBlock for blocks off the layout), in one pass over the layout.
std::vector<BlockId> fallthroughs(const Function &f);

class CFG {
public:
  // Whether to look for guards' abort edges. A pass that has just walked the
  // function and seen no `guard` passes Guards::Absent and the CFG reads
  // only the blocks' terminators, not every instruction.
  enum class Guards { Scan, Absent };
  explicit CFG(const Function &f, Guards guards = Guards::Scan);
  // The CFG of f when every block of its layout ends in a terminator and
  // f has no `guard`, from the targets of each block's terminator as a
  // pass that keeps them says (`targets(b)`), without reading the blocks:
  // on a function of a million instructions each block and its terminator
  // are a cache miss or two.
  CFG(const Function &f, llvm::function_ref<BlockRange(BlockId)> targets);

  BlockId entry() const { return entry_; }
  size_t numBlocks() const { return succSpan_.size(); }
  BlockRange succs(BlockId b) const {
    return {succ_.data() + succSpan_[b].begin, succSpan_[b].size};
  }
  BlockRange preds(BlockId b) const {
    return {pred_.data() + predBegin_[b], predBegin_[b + 1] - predBegin_[b]};
  }
  // Reachable blocks in reverse post-order; rpo().front() is the entry.
  const std::vector<BlockId> &rpo() const { return rpo_; }
  // Position of `b` in rpo(), or kNotReached.
  unsigned rpoIndex(BlockId b) const { return rpoIndex_[b]; }
  bool reachable(BlockId b) const { return rpoIndex_[b] != kNotReached; }
  // fallthroughOf(f, b), without searching the layout.
  BlockId fallthrough(BlockId b) const { return fallthrough_[b]; }
  // Edge ids, dense below numEdges() (so that a side table over edges is a
  // vector, not a hash map): the k-th entry of succs(b) is edge
  // firstSuccEdge(b) + k. Edges of unreachable blocks have ids too.
  uint32_t firstSuccEdge(BlockId b) const { return succSpan_[b].begin; }
  size_t numEdges() const { return succ_.size(); }

  static constexpr unsigned kNotReached = ~0u;

private:
  // Appends t to the successors of the block being listed (those from
  // succ_[begin] on) unless already there: a `br` with both labels alike,
  // or a guard's target the terminator names too, is one edge.
  void addSuccessor(size_t begin, BlockId t);
  // The depth-first search, the RPO and the predecessors, from the
  // successors.
  void finish(size_t numBlocks, size_t layoutSize);

  struct Span {
    uint32_t begin = 0, size = 0;
  };
  BlockId entry_ = kNoBlock;
  std::vector<Span> succSpan_;     // by BlockId, into succ_
  std::vector<BlockId> succ_;      // every block's successors, in layout order
  std::vector<uint32_t> predBegin_; // by BlockId (and one past): pred_[predBegin_[b], predBegin_[b + 1])
  std::vector<BlockId> pred_;
  std::vector<BlockId> rpo_;
  std::vector<unsigned> rpoIndex_;
  std::vector<BlockId> fallthrough_;
};

} // namespace brisk
