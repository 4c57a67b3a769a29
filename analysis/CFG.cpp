#include "analysis/CFG.h"

#include <algorithm>

namespace brisk {

BlockId fallthroughOf(const Function &f, BlockId b) {
  if (f.block(b).terminator())
    return kNoBlock;
  auto it = std::find(f.layout.begin(), f.layout.end(), b);
  if (it == f.layout.end() || std::next(it) == f.layout.end())
    return kNoBlock;
  return *std::next(it);
}

std::vector<BlockId> fallthroughs(const Function &f) {
  std::vector<BlockId> out(f.blocks.size(), kNoBlock);
  for (size_t i = 0; i + 1 < f.layout.size(); ++i)
    if (!f.block(f.layout[i]).terminator())
      out[f.layout[i]] = f.layout[i + 1];
  return out;
}

BlockList blockSuccessors(const Function &f, BlockId b) {
  BlockList out;
  auto add = [&](BlockId t) {
    if (std::find(out.begin(), out.end(), t) == out.end())
      out.push_back(t);
  };
  const Block &blk = f.block(b);
  if (const Instr *term = blk.terminator()) {
    for (BlockId t : term->labels)
      add(t);
  } else if (BlockId next = fallthroughOf(f, b); next != kNoBlock) {
    add(next);
  }
  for (const Instr &in : blk.instrs)
    if (in.op == Opcode::Guard)
      for (BlockId t : in.labels)
        add(t);
  return out;
}

CFG::CFG(const Function &f, Guards guards)
    : succSpan_(f.blocks.size()), predBegin_(f.blocks.size() + 1, 0),
      rpoIndex_(f.blocks.size(), kNotReached), fallthrough_(f.blocks.size(), kNoBlock) {
  if (f.layout.empty())
    return;
  const size_t n = f.blocks.size();
  entry_ = f.layout.front();
  // Successors come from the layout in one pass: a block's fall-through
  // target is the next layout entry, which avoids a search per block.
  // The loop is bound by cache misses on blocks and their instructions, so
  // both are fetched a few blocks ahead.
  constexpr size_t kAhead = 8;
  succ_.reserve(f.layout.size() * 2);
  for (size_t i = 0; i < f.layout.size(); ++i) {
    if (i + 2 * kAhead < f.layout.size())
      __builtin_prefetch(&f.block(f.layout[i + 2 * kAhead]));
    if (i + kAhead < f.layout.size()) {
      const std::vector<Instr> &ahead = f.block(f.layout[i + kAhead]).instrs;
      if (!ahead.empty()) {
        if (guards == Guards::Scan)
          __builtin_prefetch(ahead.data());
        __builtin_prefetch(&ahead.back());
      }
    }
    BlockId b = f.layout[i];
    const Block &blk = f.block(b);
    const size_t begin = succ_.size();
    auto add = [&](BlockId t) { addSuccessor(begin, t); };
    if (const Instr *term = blk.terminator()) {
      for (BlockId t : term->labels)
        add(t);
    } else if (i + 1 < f.layout.size()) {
      fallthrough_[b] = f.layout[i + 1];
      add(f.layout[i + 1]);
    }
    if (guards == Guards::Scan)
      for (const Instr &in : blk.instrs)
        if (in.op == Opcode::Guard)
          for (BlockId t : in.labels)
            add(t);
    succSpan_[b] = {uint32_t(begin), uint32_t(succ_.size() - begin)};
  }
  finish(n, f.layout.size());
}

CFG::CFG(const Function &f, llvm::function_ref<BlockRange(BlockId)> targets)
    : succSpan_(f.blocks.size()), predBegin_(f.blocks.size() + 1, 0),
      rpoIndex_(f.blocks.size(), kNotReached), fallthrough_(f.blocks.size(), kNoBlock) {
  if (f.layout.empty())
    return;
  entry_ = f.layout.front();
  succ_.reserve(f.layout.size() * 2);
  for (BlockId b : f.layout) {
    const size_t begin = succ_.size();
    for (BlockId t : targets(b))
      addSuccessor(begin, t);
    succSpan_[b] = {uint32_t(begin), uint32_t(succ_.size() - begin)};
  }
  finish(f.blocks.size(), f.layout.size());
}

void CFG::addSuccessor(size_t begin, BlockId t) {
  if (std::find(succ_.begin() + std::ptrdiff_t(begin), succ_.end(), t) == succ_.end())
    succ_.push_back(t);
}

void CFG::finish(size_t n, size_t layoutSize) {
  // Iterative DFS for the post-order, so deep CFGs cannot overflow the stack.
  // rpoIndex_ doubles as the visited mark (anything but kNotReached) and the
  // post-order is written into rpo_, then reversed.
  rpo_.reserve(layoutSize);
  std::vector<std::pair<BlockId, unsigned>> stack{{entry_, 0}};
  rpoIndex_[entry_] = 0;
  while (!stack.empty()) {
    auto &[b, next] = stack.back();
    if (next < succSpan_[b].size) {
      BlockId s = succ_[succSpan_[b].begin + next++];
      if (rpoIndex_[s] == kNotReached) {
        rpoIndex_[s] = 0;
        stack.push_back({s, 0});
      }
    } else {
      rpo_.push_back(b);
      stack.pop_back();
    }
  }
  std::reverse(rpo_.begin(), rpo_.end());
  for (unsigned i = 0; i < rpo_.size(); ++i)
    rpoIndex_[rpo_[i]] = i;
  // Predecessors: reachable sources in RPO, each target's in the order the
  // RPO meets them (a counting sort by target keeps that order).
  for (BlockId b : rpo_)
    for (BlockId s : succs(b))
      ++predBegin_[s + 1];
  for (size_t b = 0; b < n; ++b)
    predBegin_[b + 1] += predBegin_[b];
  pred_.resize(predBegin_[n]);
  // Filled through predBegin_ itself (each entry moves to its block's end,
  // the next one's start), then shifted back one place: no second table
  // the size of the arena (fresh memory, a write miss per line, at every
  // CFG of a large function).
  for (BlockId b : rpo_)
    for (BlockId s : succs(b))
      pred_[predBegin_[s]++] = b;
  for (size_t b = n; b > 0; --b)
    predBegin_[b] = predBegin_[b - 1];
  predBegin_[0] = 0;
}

} // namespace brisk
