#include "transforms/superblocks/FlatCFG.h"

#include <algorithm>

namespace brisk {

void FlatCFG::build(const Function &f) {
  const size_t n = f.blocks.size();
  numBlocks_ = n;
  entry_ = f.layout.empty() ? kNoBlock : f.layout.front();
  succBegin_.assign(n, 0);
  succCount_.assign(n, 0);
  succ_.clear();
  rpo_.clear();
  rpoIndex_.assign(n, kNotReached);
  predBegin_.assign(n + 1, 0);
  pred_.clear();
  if (entry_ == kNoBlock)
    return;
  // Successors as CFG lists them: the terminator's labels, else the next
  // block of the layout; then every guard's label; each target once.
  for (size_t i = 0; i < f.layout.size(); ++i) {
    BlockId b = f.layout[i];
    const Block &blk = f.block(b);
    const size_t begin = succ_.size();
    auto add = [&](BlockId t) {
      if (std::find(succ_.begin() + std::ptrdiff_t(begin), succ_.end(), t) == succ_.end())
        succ_.push_back(t);
    };
    if (const Instr *term = blk.terminator()) {
      for (BlockId t : term->labels)
        add(t);
    } else if (i + 1 < f.layout.size()) {
      add(f.layout[i + 1]);
    }
    for (const Instr &in : blk.instrs)
      if (in.op == Opcode::Guard)
        for (BlockId t : in.labels)
          add(t);
    succBegin_[b] = uint32_t(begin);
    succCount_[b] = uint32_t(succ_.size() - begin);
  }
  // The same iterative depth-first search as CFG, hence the same order.
  post_.clear();
  stack_.clear();
  std::vector<unsigned> &seen = rpoIndex_; // kNotReached: not seen yet
  stack_.push_back({entry_, 0});
  seen[entry_] = 0;
  while (!stack_.empty()) {
    auto &[b, next] = stack_.back();
    if (next < succCount_[b]) {
      BlockId s = succ_[succBegin_[b] + next++];
      if (seen[s] == kNotReached) {
        seen[s] = 0;
        stack_.push_back({s, 0});
      }
    } else {
      post_.push_back(b);
      stack_.pop_back();
    }
  }
  rpo_.assign(post_.rbegin(), post_.rend());
  for (unsigned i = 0; i < rpo_.size(); ++i)
    rpoIndex_[rpo_[i]] = i;
  // Predecessors: reachable sources in RPO, as CFG pushes them.
  for (BlockId b : rpo_)
    for (BlockId s : succs(b))
      ++predBegin_[s + 1];
  for (size_t b = 0; b < n; ++b)
    predBegin_[b + 1] += predBegin_[b];
  pred_.resize(predBegin_[n]);
  predAt_.assign(predBegin_.begin(), predBegin_.end() - 1);
  for (BlockId b : rpo_)
    for (BlockId s : succs(b))
      pred_[predAt_[s]++] = b;
}

} // namespace brisk
