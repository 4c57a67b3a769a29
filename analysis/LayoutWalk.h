// LayoutWalk: the blocks of a function's layout in order, with the memory
// the next ones will need fetched ahead.
//
// A walk over a large function is bound by cache misses, not by work: each
// block is a separate object in the arena and its instructions a separate
// array, so every block costs two dependent misses (the block, then its
// instructions) that the hardware prefetcher cannot predict. Fetching them a
// few blocks ahead lets those misses overlap with the work on the blocks
// before. (CFG's constructor does the same for its own walk.)
//
// walkBlocks touches the start of each block's instructions (a pass that
// reads all of them, or its phis); walkTerminators their last one (a pass
// that looks at each block's terminator only). Both call fn(BlockId, Block&)
// for every block of f.layout as it is when the walk starts; fn may edit the
// block it is given but not the layout.
#pragma once

#include "ir/IR.h"

#include <cstddef>

namespace brisk {

namespace layout_walk {
// Blocks ahead whose instructions are fetched; their Block objects are
// fetched twice as far ahead, so that the instruction pointer is there when
// it is needed.
inline constexpr size_t kAhead = 8;

template <bool Last, typename Fn, typename F> void walk(Fn &f, F &&fn) {
  const size_t n = f.layout.size();
  for (size_t i = 0; i < n; ++i) {
    if (i + 2 * kAhead < n)
      __builtin_prefetch(&f.block(f.layout[i + 2 * kAhead]));
    if (i + kAhead < n) {
      const auto &ahead = f.block(f.layout[i + kAhead]).instrs;
      if (!ahead.empty())
        __builtin_prefetch(Last ? &ahead.back() : ahead.data());
    }
    BlockId b = f.layout[i];
    fn(b, f.block(b));
  }
}
} // namespace layout_walk

template <typename F> void walkBlocks(Function &f, F &&fn) {
  layout_walk::walk<false>(f, fn);
}
template <typename F> void walkBlocks(const Function &f, F &&fn) {
  layout_walk::walk<false>(f, fn);
}
template <typename F> void walkTerminators(Function &f, F &&fn) {
  layout_walk::walk<true>(f, fn);
}
template <typename F> void walkTerminators(const Function &f, F &&fn) {
  layout_walk::walk<true>(f, fn);
}

} // namespace brisk
