#include "transforms/superblocks/TraceSelection.h"

#include "analysis/DefiniteAssignment.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"

#include <algorithm>

namespace brisk {
namespace {

// The ordinary successors of `b` (terminator targets or fall-through).
BlockList normalSuccessors(const Function &f, BlockId b) {
  BlockList out;
  if (const Instr *term = f.block(b).terminator()) {
    for (BlockId t : term->labels)
      if (std::find(out.begin(), out.end(), t) == out.end())
        out.push_back(t);
  } else if (BlockId next = fallthroughOf(f, b); next != kNoBlock) {
    out.push_back(next);
  }
  return out;
}

class Selector {
public:
  Selector(const Function &f, const FunctionWeights &w, const FunctionProfile *paths,
           const TraceOptions &o, const CFG &cfg, const DominatorTree &dom, bool plain)
      : f_(f), w_(w), o_(o), cfg_(cfg), dom_(dom), inTrace_(f.blocks.size(), false),
        givenPaths_(paths), plain_(plain) {}

  // Traces hottest seed first; none in a function with phis, sets or gets
  // (found in the same look at the instructions as speculation).
  std::vector<Trace> run() {
    if (!excludeSpeculation())
      return {};
    if (givenPaths_ && o_.usePathProfile && pathsStillValid(*givenPaths_))
      paths_ = givenPaths_;

    std::vector<BlockId> seeds;
    for (BlockId b : cfg_.rpo())
      if (w_.block(b) >= o_.minSeedCount)
        seeds.push_back(b);
    std::stable_sort(seeds.begin(), seeds.end(),
                     [&](BlockId a, BlockId b) { return w_.block(a) > w_.block(b); });
    std::vector<Trace> out;
    for (BlockId seed : seeds) {
      if (inTrace_[seed])
        continue;
      Trace t = grow(seed);
      for (BlockId b : t.blocks)
        inTrace_[b] = true;
      if (t.blocks.size() >= 2 || t.isLoop)
        out.push_back(std::move(t));
    }
    return out;
  }

private:
  // Blocks that may run while speculating (reached from a `speculate`
  // without passing a `commit`), blocks that speculate, guard or commit, and
  // their successors join no trace: a region there would nest speculation,
  // and a region head entered from them would be entered while speculating.
  // Returns false, marking nothing, when f has a phi, set or get. A plain
  // function has none of these: nothing to look for (on a large function a
  // walk of the instructions costs a cache miss per instruction).
  bool excludeSpeculation() {
    if (plain_)
      return true;
    std::vector<bool> speculating(f_.blocks.size(), false);
    std::vector<BlockId> work;
    auto hasOp = [&](BlockId b, Opcode op) {
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == op)
          return true;
      return false;
    };
    // One look at each block's instructions for all six (on a large
    // function a walk of the instructions costs its memory traffic).
    for (BlockId b : f_.layout) {
      bool speculation = false;
      for (const Instr &in : f_.block(b).instrs)
        switch (in.op) {
        case Opcode::Phi: case Opcode::Set: case Opcode::Get:
          return false;
        case Opcode::Speculate: case Opcode::Guard: case Opcode::Commit:
          speculation = true;
          break;
        default:
          break;
        }
      if (speculation)
        work.push_back(b);
    }
    for (BlockId b : work)
      inTrace_[b] = true;
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId s : normalSuccessors(f_, b)) {
        inTrace_[s] = true;
        if (!speculating[s] && !hasOp(s, Opcode::Commit)) {
          speculating[s] = true;
          work.push_back(s);
        }
      }
    }
    return true;
  }

  bool pathsStillValid(const FunctionProfile &fp) const {
    for (const LoopProfile &lp : fp.loops)
      for (const PathProfile &p : lp.paths) {
        for (size_t i = 0; i + 1 < p.blocks.size(); ++i) {
          if (p.blocks[i] >= f_.blocks.size())
            return false; // the profile is of another body (a wrapper's, say)
          BlockList s = normalSuccessors(f_, p.blocks[i]);
          if (std::find(s.begin(), s.end(), p.blocks[i + 1]) == s.end())
            return false;
        }
      }
    return true;
  }

  // Next block by the path profile, when enough paths agree with `trace`.
  bool nextByPaths(const std::vector<BlockId> &trace, BlockId &next, double &prob) const {
    if (!paths_)
      return false;
    const LoopProfile *lp = paths_->loop(trace.front());
    if (!lp)
      return false;
    double total = 0;
    std::vector<std::pair<BlockId, double>> votes;
    for (const PathProfile &p : lp->paths) {
      if (p.blocks.size() < trace.size() ||
          !std::equal(trace.begin(), trace.end(), p.blocks.begin()))
        continue;
      BlockId n = kNoBlock;
      if (p.blocks.size() > trace.size())
        n = p.blocks[trace.size()];
      else if (p.endsAtBackEdge)
        n = p.backEdgeTarget;
      total += double(p.count);
      if (n == kNoBlock)
        continue;
      auto it = std::find_if(votes.begin(), votes.end(), [&](auto &v) { return v.first == n; });
      if (it == votes.end())
        votes.push_back({n, double(p.count)});
      else
        it->second += double(p.count);
    }
    if (total < o_.minPathCount || votes.empty())
      return false;
    auto best = std::max_element(votes.begin(), votes.end(),
                                 [](auto &a, auto &b) { return a.second < b.second; });
    next = best->first;
    prob = best->second / total;
    return true;
  }

  Trace grow(BlockId seed) {
    Trace t;
    t.headCount = w_.block(seed);
    t.blocks.push_back(seed);
    while (true) {
      BlockId cur = t.blocks.back();
      BlockList succs = normalSuccessors(f_, cur);
      BlockId best = kNoBlock;
      double prob = 0;
      if (!nextByPaths(t.blocks, best, prob)) {
        for (BlockId s : succs) {
          double p = w_.probability(cur, s);
          if (p > prob)
            prob = p, best = s;
        }
      }
      if (best == kNoBlock || prob < o_.minEdgeProbability) {
        t.probability.push_back(0);
        break;
      }
      if (best == seed) {
        t.isLoop = true;
        t.probability.push_back(prob);
        break;
      }
      bool backEdge = cfg_.reachable(cur) && dom_.dominates(best, cur);
      if (inTrace_[best] || backEdge || t.blocks.size() >= o_.maxTraceBlocks ||
          std::find(t.blocks.begin(), t.blocks.end(), best) != t.blocks.end() ||
          !isMainPredecessor(cur, best)) {
        t.probability.push_back(0);
        break;
      }
      t.probability.push_back(prob);
      t.blocks.push_back(best);
    }
    return t;
  }

  bool isMainPredecessor(BlockId cur, BlockId s) const {
    double mine = w_.edge(cur, s);
    for (BlockId p : cfg_.preds(s))
      if (p != cur && w_.edge(p, s) > mine)
        return false;
    return true;
  }

  const Function &f_;
  const FunctionWeights &w_;
  const TraceOptions &o_;
  const FunctionProfile *paths_ = nullptr;
  const CFG &cfg_;
  const DominatorTree &dom_;
  std::vector<bool> inTrace_;
  const FunctionProfile *givenPaths_;
  bool plain_; // no phi, set, get, speculate, guard or commit (the caller saw)
};

} // namespace

std::vector<Trace> selectTraces(const Function &f, const FunctionWeights &weights,
                                const FunctionProfile *paths, const TraceOptions &options) {
  if (f.layout.empty() || !weights.hasData())
    return {};
  CFG cfg(f);
  DominatorTree dom(cfg);
  return selectTraces(f, weights, paths, options, cfg, dom);
}

std::vector<Trace> selectTraces(const Function &f, const FunctionWeights &weights,
                                const FunctionProfile *paths, const TraceOptions &options,
                                const CFG &cfg, const DominatorTree &dom,
                                llvm::function_ref<bool()> everyReadAssigned, bool plain) {
  if (f.layout.empty() || !weights.hasData())
    return {};
  std::vector<Trace> traces = Selector(f, weights, paths, options, cfg, dom, plain).run();
  // A function that may read an unassigned variable keeps its code: the read
  // must fail where it does, and the superblock passes fold and move reads.
  // (hasPossiblyUndefinedRead, on the CFG at hand.)
  if (!traces.empty() && !(everyReadAssigned && everyReadAssigned()) &&
      !DefiniteAssignment(f, cfg, dom).possiblyUndefinedReads().empty())
    return {};
  return traces;
}

} // namespace brisk
