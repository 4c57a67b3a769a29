#include "analysis/Dominators.h"

#include <algorithm>

namespace brisk {

DominatorTree::DominatorTree(const CFG &cfg)
    : idom_(cfg.numBlocks(), kNoBlock), childBegin_(cfg.numBlocks() + 1, 0), pre_(cfg.numBlocks(), kNone),
      post_(cfg.numBlocks(), kNone), depth_(cfg.numBlocks(), 0) {
  const std::vector<BlockId> &rpo = cfg.rpo();
  if (rpo.empty())
    return;
  // Cooper-Harvey-Kennedy works on RPO numbers; the entry is its own idom
  // during the iteration and reset to kNoBlock afterwards.
  std::vector<unsigned> doms(rpo.size(), kNone);
  doms[0] = 0;
  auto intersect = [&](unsigned a, unsigned b) {
    while (a != b) {
      while (a > b)
        a = doms[a];
      while (b > a)
        b = doms[b];
    }
    return a;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (unsigned i = 1; i < rpo.size(); ++i) {
      unsigned newIdom = kNone;
      for (BlockId p : cfg.preds(rpo[i])) {
        unsigned pi = cfg.rpoIndex(p);
        if (doms[pi] == kNone)
          continue;
        newIdom = newIdom == kNone ? pi : intersect(pi, newIdom);
      }
      if (newIdom != doms[i]) {
        doms[i] = newIdom;
        changed = true;
      }
    }
  }
  // Children grouped by parent with a counting sort, each parent's in RPO.
  for (unsigned i = 1; i < rpo.size(); ++i) {
    idom_[rpo[i]] = rpo[doms[i]];
    ++childBegin_[rpo[doms[i]] + 1];
  }
  const size_t n = cfg.numBlocks();
  for (size_t b = 0; b < n; ++b)
    childBegin_[b + 1] += childBegin_[b];
  child_.resize(rpo.size() - 1);
  {
    std::vector<uint32_t> at(childBegin_.begin(), childBegin_.end() - 1);
    for (unsigned i = 1; i < rpo.size(); ++i)
      child_[at[rpo[doms[i]]]++] = rpo[i];
  }
  // Entry/exit numbers for O(1) dominance queries; iterative to bound stack use.
  unsigned clock = 0;
  std::vector<std::pair<BlockId, unsigned>> stack{{rpo[0], 0}};
  pre_[rpo[0]] = clock++;
  preorder_.push_back(rpo[0]);
  while (!stack.empty()) {
    auto &[b, next] = stack.back();
    if (next < childBegin_[b + 1] - childBegin_[b]) {
      BlockId c = child_[childBegin_[b] + next++];
      pre_[c] = clock++;
      depth_[c] = depth_[b] + 1;
      preorder_.push_back(c);
      stack.push_back({c, 0});
    } else {
      post_[b] = clock++;
      stack.pop_back();
    }
  }
}

bool DominatorTree::dominates(BlockId a, BlockId b) const {
  if (pre_[a] == kNone || pre_[b] == kNone)
    return false;
  return pre_[a] <= pre_[b] && post_[b] <= post_[a];
}

DominanceFrontier::DominanceFrontier(const CFG &cfg, const DominatorTree &dom)
    : df_(cfg.numBlocks()) {
  for (BlockId b : cfg.rpo()) {
    BlockRange preds = cfg.preds(b);
    // The entry has an implicit edge from outside the function, so one
    // predecessor already makes it a join.
    if (preds.size() < (b == cfg.entry() ? 1u : 2u))
      continue;
    for (BlockId p : preds) {
      for (BlockId runner = p; runner != kNoBlock && runner != dom.idom(b);
           runner = dom.idom(runner)) {
        BlockList &df = df_[runner];
        if (std::find(df.begin(), df.end(), b) != df.end())
          break; // already walked from here for this join
        df.push_back(b);
      }
    }
  }
}

} // namespace brisk
