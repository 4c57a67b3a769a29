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

CFG::CFG(const Function &f)
    : succs_(f.blocks.size()), preds_(f.blocks.size()), rpoIndex_(f.blocks.size(), kNotReached),
      fallthrough_(f.blocks.size(), kNoBlock) {
  if (f.layout.empty())
    return;
  entry_ = f.layout.front();
  // Successors come from the layout in one pass: a block's fall-through
  // target is the next layout entry, which avoids a search per block.
  // The loop is bound by cache misses on blocks and their instructions, so
  // both are fetched a few blocks ahead.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < f.layout.size(); ++i) {
    if (i + 2 * kAhead < f.layout.size())
      __builtin_prefetch(&f.block(f.layout[i + 2 * kAhead]));
    if (i + kAhead < f.layout.size()) {
      const std::vector<Instr> &ahead = f.block(f.layout[i + kAhead]).instrs;
      if (!ahead.empty()) {
        __builtin_prefetch(ahead.data());
        __builtin_prefetch(&ahead.back());
      }
    }
    BlockId b = f.layout[i];
    const Block &blk = f.block(b);
    BlockList &out = succs_[b];
    auto add = [&](BlockId t) {
      if (std::find(out.begin(), out.end(), t) == out.end())
        out.push_back(t);
    };
    if (const Instr *term = blk.terminator()) {
      for (BlockId t : term->labels)
        add(t);
    } else if (i + 1 < f.layout.size()) {
      fallthrough_[b] = f.layout[i + 1];
      add(f.layout[i + 1]);
    }
    for (const Instr &in : blk.instrs)
      if (in.op == Opcode::Guard)
        for (BlockId t : in.labels)
          add(t);
  }

  // Iterative DFS for the post-order, so deep CFGs cannot overflow the stack.
  std::vector<BlockId> post;
  std::vector<uint8_t> seen(f.blocks.size(), 0);
  std::vector<std::pair<BlockId, unsigned>> stack{{entry_, 0}};
  seen[entry_] = 1;
  while (!stack.empty()) {
    auto &[b, next] = stack.back();
    if (next < succs_[b].size()) {
      BlockId s = succs_[b][next++];
      if (!seen[s]) {
        seen[s] = 1;
        stack.push_back({s, 0});
      }
    } else {
      post.push_back(b);
      stack.pop_back();
    }
  }
  rpo_.assign(post.rbegin(), post.rend());
  for (unsigned i = 0; i < rpo_.size(); ++i)
    rpoIndex_[rpo_[i]] = i;
  for (BlockId b : rpo_)
    for (BlockId s : succs_[b])
      preds_[s].push_back(b);
}

} // namespace brisk
