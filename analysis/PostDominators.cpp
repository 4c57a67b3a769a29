#include "analysis/PostDominators.h"

#include <algorithm>

namespace brisk {

PostDominatorTree::PostDominatorTree(const CFG &cfg)
    : ipdom_(cfg.numBlocks(), kNoBlock), succs_(cfg.numBlocks()), pre_(cfg.numBlocks(), kNone),
      post_(cfg.numBlocks(), kNone) {
  const std::vector<BlockId> &rpo = cfg.rpo();
  if (rpo.empty())
    return;
  // Node numbering: 0 is the virtual exit, i + 1 is rpo[i].
  size_t n = rpo.size() + 1;
  auto node = [&](BlockId b) { return b == kNoBlock ? 0u : cfg.rpoIndex(b) + 1; };
  auto block = [&](unsigned v) { return v == 0 ? kNoBlock : rpo[v - 1]; };
  for (BlockId b : rpo) {
    succs_[b].assign(cfg.succs(b).begin(), cfg.succs(b).end());
    if (succs_[b].empty())
      succs_[b].push_back(kNoBlock);
  }
  // Reverse post-order of the reversed graph from the virtual exit: a DFS
  // over predecessors. Blocks it misses reach no exit; the latest of them in
  // forward RPO (deepest in its cycle, most often a latch) gets an edge to
  // the exit and the DFS continues from it.
  std::vector<unsigned> order; // post-order of the reversed DFS
  std::vector<uint8_t> seen(n, 0);
  // The virtual exit's predecessors, found once (not each time the DFS
  // returns to it).
  std::vector<BlockId> exits;
  for (BlockId b : rpo)
    if (std::find(succs_[b].begin(), succs_[b].end(), kNoBlock) != succs_[b].end())
      exits.push_back(b);
  auto dfs = [&](unsigned root) {
    std::vector<std::pair<unsigned, unsigned>> stack{{root, 0}};
    seen[root] = 1;
    while (!stack.empty()) {
      auto &[v, next] = stack.back();
      BlockRange preds = v == 0 ? BlockRange(exits) : cfg.preds(block(v));
      if (next < preds.size()) {
        unsigned w = node(preds[next++]);
        if (!seen[w]) {
          seen[w] = 1;
          stack.push_back({w, 0});
        }
      } else {
        order.push_back(v);
        stack.pop_back();
      }
    }
  };
  dfs(0);
  order.pop_back(); // the exit goes last; it is added again below
  for (size_t i = rpo.size(); i-- > 0;) {
    if (seen[i + 1])
      continue;
    succs_[rpo[i]].push_back(kNoBlock);
    dfs(i + 1);
  }
  order.push_back(0);
  std::reverse(order.begin(), order.end()); // reverse post-order, exit first
  std::vector<unsigned> index(n, kNone);
  for (unsigned i = 0; i < order.size(); ++i)
    index[order[i]] = i;
  std::vector<unsigned> doms(n, kNone);
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
    for (unsigned i = 1; i < order.size(); ++i) {
      unsigned newIdom = kNone;
      for (BlockId s : succs_[block(order[i])]) {
        unsigned si = index[node(s)];
        if (doms[si] == kNone)
          continue;
        newIdom = newIdom == kNone ? si : intersect(si, newIdom);
      }
      if (newIdom != doms[i]) {
        doms[i] = newIdom;
        changed = true;
      }
    }
  }
  // Children grouped by parent with a counting sort (in order), not a
  // list per node.
  std::vector<unsigned> childBegin(n + 1, 0), child(order.size() > 0 ? order.size() - 1 : 0);
  for (unsigned i = 1; i < order.size(); ++i) {
    ipdom_[block(order[i])] = block(order[doms[i]]);
    ++childBegin[doms[i] + 1];
  }
  for (size_t v = 0; v < n; ++v)
    childBegin[v + 1] += childBegin[v];
  {
    std::vector<unsigned> at(childBegin.begin(), childBegin.end() - 1);
    for (unsigned i = 1; i < order.size(); ++i)
      child[at[doms[i]]++] = i;
  }
  // Entry/exit numbers on the tree (by order index) for O(1) queries.
  std::vector<unsigned> pre(n, kNone), post(n, kNone);
  unsigned clock = 0;
  std::vector<std::pair<unsigned, unsigned>> stack{{0, 0}};
  pre[0] = clock++;
  while (!stack.empty()) {
    auto &[v, next] = stack.back();
    if (next < childBegin[v + 1] - childBegin[v]) {
      unsigned c = child[childBegin[v] + next++];
      pre[c] = clock++;
      stack.push_back({c, 0});
    } else {
      post[v] = clock++;
      stack.pop_back();
    }
  }
  for (unsigned i = 1; i < order.size(); ++i) {
    pre_[block(order[i])] = pre[i];
    post_[block(order[i])] = post[i];
  }
}

bool PostDominatorTree::postDominates(BlockId a, BlockId b) const {
  if (pre_[a] == kNone || pre_[b] == kNone)
    return false;
  return pre_[a] <= pre_[b] && post_[b] <= post_[a];
}

ControlDependence::ControlDependence(const CFG &cfg, const PostDominatorTree &pdom)
    : deps_(cfg.numBlocks()) {
  for (BlockId b : cfg.rpo()) {
    const BlockList &succs = pdom.exitingSuccs(b);
    if (succs.size() < 2)
      continue;
    for (BlockId s : succs)
      for (BlockId runner = s; runner != kNoBlock && runner != pdom.ipdom(b);
           runner = pdom.ipdom(runner)) {
        BlockList &deps = deps_[runner];
        if (!deps.empty() && deps.back() == b)
          break; // already walked from here for this branch
        deps.push_back(b);
      }
  }
}

} // namespace brisk
