#include "analysis/Liveness.h"

#include "analysis/Uses.h"

#include <algorithm>

namespace brisk {

Liveness::Liveness(const Function &f, const CFG &cfg) {
  const size_t nb = cfg.numBlocks(), nv = f.numVars();
  in_.assign(nb, llvm::BitVector(nv));
  out_.assign(nb, llvm::BitVector(nv));
  // Per block: upward-exposed non-phi uses, all definitions, phi definitions.
  std::vector<llvm::BitVector> gen(nb, llvm::BitVector(nv)), kill(nb, llvm::BitVector(nv)),
      phiDefs(nb, llvm::BitVector(nv));
  // Phi uses per (predecessor) block: liveOut(p) gets them directly.
  std::vector<llvm::BitVector> phiUsesFrom(nb, llvm::BitVector(nv));
  for (BlockId b : cfg.rpo()) {
    for (const Instr &in : f.block(b).instrs) {
      if (in.op == Opcode::Phi) {
        for (size_t i = 0; i < in.args.size() && i < in.labels.size(); ++i)
          phiUsesFrom[in.labels[i]].set(in.args[i]);
        if (in.hasDest())
          phiDefs[b].set(in.dest);
      } else {
        forEachUse(in, [&](VarId v) {
          if (!kill[b].test(v))
            gen[b].set(v);
        });
      }
      if (in.hasDest())
        kill[b].set(in.dest);
    }
  }
  // Parameters are defined before the entry's first instruction.
  if (cfg.entry() != kNoBlock)
    for (const Param &p : f.params)
      kill[cfg.entry()].set(p.var);

  const std::vector<BlockId> &rpo = cfg.rpo();
  llvm::BitVector tmp(nv);
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = rpo.rbegin(); it != rpo.rend(); ++it) {
      BlockId b = *it;
      llvm::BitVector out = phiUsesFrom[b];
      for (BlockId s : cfg.succs(b)) {
        tmp = in_[s];
        tmp.reset(phiDefs[s]);
        out |= tmp;
      }
      llvm::BitVector in = out;
      in.reset(kill[b]);
      in |= gen[b];
      in |= phiDefs[b];
      if (out != out_[b] || in != in_[b]) {
        out_[b] = std::move(out);
        in_[b] = std::move(in);
        changed = true;
      }
    }
  }
}

bool SparseLiveness::contains(const std::vector<VarId> &sorted, VarId v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

SparseLiveness::SparseLiveness(const Function &f, const CFG &cfg) {
  const size_t nb = cfg.numBlocks(), nv = f.numVars();
  in_.assign(nb, {});
  out_.assign(nb, {});
  // (variable, block) facts, as in Liveness: upward-exposed non-phi uses,
  // definitions (kill), phi definitions, and phi uses at the end of a
  // predecessor.
  using Fact = std::pair<VarId, BlockId>;
  std::vector<Fact> gen, kill, phiDefs, phiUses;
  std::vector<BlockId> killedIn(nv, kNoBlock); // per variable: last block that defined it
  for (BlockId b : cfg.rpo()) {
    for (const Instr &in : f.block(b).instrs) {
      if (in.op == Opcode::Phi) {
        for (size_t i = 0; i < in.args.size() && i < in.labels.size(); ++i)
          if (cfg.reachable(in.labels[i]))
            phiUses.push_back({in.args[i], in.labels[i]});
        if (in.hasDest())
          phiDefs.push_back({in.dest, b});
      } else {
        forEachUse(in, [&](VarId v) {
          if (killedIn[v] != b)
            gen.push_back({v, b});
        });
      }
      if (in.hasDest() && killedIn[in.dest] != b) {
        killedIn[in.dest] = b;
        kill.push_back({in.dest, b});
      }
    }
  }
  if (cfg.entry() != kNoBlock)
    for (const Param &p : f.params)
      kill.push_back({p.var, cfg.entry()});
  for (std::vector<Fact> *facts : {&gen, &kill, &phiDefs, &phiUses})
    std::sort(facts->begin(), facts->end());

  // Per block: the variable last marked, so each test is O(1) while one
  // variable is processed; variables go in increasing order, so every list
  // comes out sorted.
  constexpr VarId kNone = kNoVar;
  std::vector<VarId> inMark(nb, kNone), outMark(nb, kNone), killMark(nb, kNone),
      phiDefMark(nb, kNone);
  std::vector<BlockId> work;
  size_t g = 0, k = 0, d = 0, u = 0;
  for (VarId v = 0; v < VarId(nv); ++v) {
    for (; k < kill.size() && kill[k].first == v; ++k)
      killMark[kill[k].second] = v;
    for (; d < phiDefs.size() && phiDefs[d].first == v; ++d)
      phiDefMark[phiDefs[d].second] = v;
    auto markIn = [&](BlockId b) {
      if (inMark[b] == v)
        return;
      inMark[b] = v;
      in_[b].push_back(v);
      if (phiDefMark[b] != v) // a phi's result is not live out of the predecessors
        work.push_back(b);
    };
    auto markOut = [&](BlockId b) {
      if (outMark[b] == v)
        return;
      outMark[b] = v;
      out_[b].push_back(v);
      if (killMark[b] != v)
        markIn(b);
    };
    for (; g < gen.size() && gen[g].first == v; ++g)
      markIn(gen[g].second);
    for (; u < phiUses.size() && phiUses[u].first == v; ++u)
      markOut(phiUses[u].second);
    // phi definitions are live in at their block (without propagating).
    for (size_t i = d; i-- > 0 && phiDefs[i].first == v;)
      if (inMark[phiDefs[i].second] != v) {
        inMark[phiDefs[i].second] = v;
        in_[phiDefs[i].second].push_back(v);
      }
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId p : cfg.preds(b))
        markOut(p);
    }
  }
  for (std::vector<VarId> &list : in_)
    std::sort(list.begin(), list.end());
  for (std::vector<VarId> &list : out_)
    std::sort(list.begin(), list.end());
}

} // namespace brisk
