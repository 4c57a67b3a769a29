#include "analysis/Loops.h"

#include <algorithm>

namespace brisk {

LoopInfo::LoopInfo(const CFG &cfg, const DominatorTree &dom)
    : innermost_(cfg.numBlocks(), kNoLoop) {
  const std::vector<BlockId> &rpo = cfg.rpo();
  auto byRpo = [&](BlockId a, BlockId b) { return cfg.rpoIndex(a) < cfg.rpoIndex(b); };

  // Back edges as (header, latch) RPO positions, so that sorting them groups
  // each header's latches, headers and latches in RPO; retreating non-back
  // edges are the irreducible ones. An edge u -> v retreats when v is not
  // later in RPO. (One flat vector: a function of many loops allocates
  // nothing per block or per header here.)
  std::vector<std::pair<unsigned, unsigned>> backEdges;
  for (BlockId u : rpo)
    for (BlockId v : cfg.succs(u)) {
      if (cfg.rpoIndex(v) > cfg.rpoIndex(u))
        continue;
      if (dom.dominates(v, u))
        backEdges.push_back({cfg.rpoIndex(v), cfg.rpoIndex(u)});
      else
        irreducibleEdges_.push_back({u, v});
    }
  std::sort(backEdges.begin(), backEdges.end());

  // One Loop per header, built in place: reserved up front, because
  // std::vector grows by copying a Loop (SmallVector's move is not
  // noexcept), which for tens of thousands of loops is a copy and a free of
  // every loop's block list at each doubling.
  size_t headers = 0;
  for (size_t e = 0; e < backEdges.size(); ++e)
    headers += e == 0 || backEdges[e].first != backEdges[e - 1].first;
  loops_.reserve(headers);

  std::vector<uint8_t> inLoop(cfg.numBlocks(), 0);
  std::vector<BlockId> work, body;
  for (size_t e = 0; e < backEdges.size();) {
    Loop &loop = loops_.emplace_back();
    BlockId h = rpo[backEdges[e].first];
    loop.header = h;
    for (; e < backEdges.size() && rpo[backEdges[e].first] == h; ++e)
      loop.latches.push_back(rpo[backEdges[e].second]);
    // Walk predecessors backwards from the latches, stopping at the header.
    // (inLoop is all zero here: the previous loop cleared what it marked,
    // so that a function of many loops costs their sizes, not loops x blocks.)
    inLoop[h] = 1;
    for (BlockId t : loop.latches)
      if (!inLoop[t]) {
        inLoop[t] = 1;
        work.push_back(t);
      }
    body.clear();
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      body.push_back(b);
      for (BlockId p : cfg.preds(b))
        if (!inLoop[p]) {
          inLoop[p] = 1;
          work.push_back(p);
        }
    }
    std::sort(body.begin(), body.end(), byRpo);
    inLoop[h] = 0;
    for (BlockId b : body)
      inLoop[b] = 0;
    loop.blocks.reserve(body.size() + 1);
    loop.blocks.push_back(h);
    loop.blocks.insert(loop.blocks.end(), body.begin(), body.end());
  }

  // Innermost loop per block: visit loops from largest to smallest so the
  // smallest containing loop writes last.
  std::vector<LoopId> bySize(loops_.size());
  for (LoopId l = 0; l < loops_.size(); ++l)
    bySize[l] = l;
  std::stable_sort(bySize.begin(), bySize.end(), [&](LoopId a, LoopId b) {
    return loops_[a].blocks.size() > loops_[b].blocks.size();
  });
  for (LoopId l : bySize) {
    // The parent is the innermost loop holding the header before this loop
    // claims it: every larger containing loop has already written it.
    loops_[l].parent = innermost_[loops_[l].header];
    for (BlockId b : loops_[l].blocks)
      innermost_[b] = l;
  }
  for (LoopId l = 0; l < loops_.size(); ++l) {
    if (loops_[l].parent == kNoLoop)
      topLevel_.push_back(l);
    else
      loops_[loops_[l].parent].children.push_back(l);
  }
  // Depths follow parents, which precede children in header-RPO order.
  for (Loop &loop : loops_)
    loop.depth = loop.parent == kNoLoop ? 1 : loops_[loop.parent].depth + 1;
}

bool LoopInfo::contains(LoopId l, BlockId b) const {
  for (LoopId x = innermost_[b]; x != kNoLoop; x = loops_[x].parent)
    if (x == l)
      return true;
  return false;
}

} // namespace brisk
