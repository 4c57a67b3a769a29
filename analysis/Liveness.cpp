#include "analysis/Liveness.h"

#include "analysis/Uses.h"

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

} // namespace brisk
