#include "transforms/ssa/ToSSA.h"

#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Dominators.h"
#include "analysis/Liveness.h"
#include "analysis/Uses.h"

#include <llvm/ADT/DenseMap.h>

#include <algorithm>
#include <string>
#include <vector>

namespace brisk {

bool canConvertToSSA(const Function &f) {
  return !f.layout.empty() && isPlainNonSpeculative(f) && !hasPossiblyUndefinedRead(f);
}

namespace {

class SSABuilder {
public:
  explicit SSABuilder(Function &f) : f_(f) {}

  void run() {
    removeUnreachable();
    ensureEntryHasNoPreds();
    CFG cfg(f_);
    DominatorTree dom(cfg);
    DominanceFrontier df(cfg, dom);
    Liveness live(f_, cfg);
    numOrig_ = f_.numVars();
    collectTypes();
    placePhis(cfg, df, live);
    rename(cfg, dom);
    sortPhiEntries(cfg);
  }

private:
  Function &f_;
  size_t numOrig_ = 0;
  std::vector<Type> type_;               // per original variable
  std::vector<unsigned> nextVersion_;    // per original variable
  std::vector<VarId> undefOf_;           // per original variable, lazily created
  std::vector<std::vector<VarId>> stack_;
  std::vector<Instr> entryUndefs_;

  void removeUnreachable() {
    CFG cfg(f_);
    std::vector<BlockId> kept;
    for (BlockId b : f_.layout) {
      if (cfg.reachable(b))
        kept.push_back(b);
      else
        f_.block(b).dead = true;
    }
    f_.layout = std::move(kept);
  }

  void ensureEntryHasNoPreds() {
    CFG cfg(f_);
    if (cfg.preds(f_.entry()).empty())
      return;
    // Unlabeled, so nothing can branch to it; it falls through to the old entry.
    BlockId fresh = f_.addBlock();
    f_.layout.insert(f_.layout.begin(), fresh);
  }

  void collectTypes() {
    type_.assign(numOrig_, Type::none());
    for (const Param &p : f_.params)
      type_[p.var] = p.type;
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest() && type_[in.dest].isNone())
          type_[in.dest] = in.type;
  }

  // Cytron's worklist over the iterated dominance frontier, pruned by
  // liveness: a phi for v at a block where v is dead would only be deleted
  // again.
  void placePhis(const CFG &cfg, const DominanceFrontier &df, const Liveness &live) {
    std::vector<std::vector<BlockId>> defsites(numOrig_);
    for (const Param &p : f_.params)
      defsites[p.var].push_back(f_.entry());
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest() && (defsites[in.dest].empty() || defsites[in.dest].back() != b))
          defsites[in.dest].push_back(b);
    std::vector<unsigned> hasPhi(cfg.numBlocks(), ~0u), queued(cfg.numBlocks(), ~0u);
    std::vector<std::vector<Instr>> phis(cfg.numBlocks());
    for (VarId v = 0; v < numOrig_; ++v) {
      if (defsites[v].empty() || type_[v].isNone())
        continue;
      std::vector<BlockId> work = defsites[v];
      for (BlockId b : work)
        queued[b] = v;
      while (!work.empty()) {
        BlockId b = work.back();
        work.pop_back();
        for (BlockId y : df.frontier(b)) {
          if (hasPhi[y] == v || !live.isLiveIn(v, y))
            continue;
          hasPhi[y] = v;
          Instr phi;
          phi.op = Opcode::Phi;
          phi.type = type_[v];
          phi.dest = v; // renamed below; still the original variable here
          phis[y].push_back(std::move(phi));
          if (queued[y] != v) {
            queued[y] = v;
            work.push_back(y);
          }
        }
      }
    }
    for (BlockId b : f_.layout) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      instrs.insert(instrs.begin(), std::make_move_iterator(phis[b].begin()),
                    std::make_move_iterator(phis[b].end()));
    }
  }

  VarId newVersion(VarId v) {
    std::string base = f_.varName(v);
    for (;;) {
      std::string name = base + "." + std::to_string(nextVersion_[v]++);
      if (!f_.lookupVar(name))
        return f_.var(name);
    }
  }

  // The value of v where nothing defines it: an undef at the entry top.
  VarId undefFor(VarId v) {
    if (undefOf_[v] != kNoVar)
      return undefOf_[v];
    if (type_[v].isNone())
      return v; // never defined anywhere: leave the read for the verifier
    VarId u = newVersion(v);
    Instr in;
    in.op = Opcode::Undef;
    in.type = type_[v];
    in.dest = u;
    entryUndefs_.push_back(std::move(in));
    undefOf_[v] = u;
    return u;
  }

  VarId current(VarId v) {
    if (v >= numOrig_)
      return v;
    return stack_[v].empty() ? undefFor(v) : stack_[v].back();
  }

  void rename(const CFG &cfg, const DominatorTree &dom) {
    nextVersion_.assign(numOrig_, 0);
    undefOf_.assign(numOrig_, kNoVar);
    stack_.assign(numOrig_, {});
    for (const Param &p : f_.params)
      stack_[p.var].push_back(p.var); // a parameter is its own first version
    // Iterative pre-order walk of the dominator tree; on leaving a block the
    // versions it pushed are popped.
    struct Frame {
      BlockId block;
      unsigned nextChild;
      std::vector<VarId> pushed;
    };
    std::vector<Frame> frames;
    frames.push_back({f_.entry(), 0, {}});
    renameBlock(cfg, frames.back().block, frames.back().pushed);
    while (!frames.empty()) {
      Frame &top = frames.back();
      const BlockList &kids = dom.children(top.block);
      if (top.nextChild < kids.size()) {
        BlockId c = kids[top.nextChild++];
        frames.push_back({c, 0, {}});
        renameBlock(cfg, c, frames.back().pushed);
        continue;
      }
      for (VarId v : top.pushed)
        stack_[v].pop_back();
      frames.pop_back();
    }
    std::vector<Instr> &entry = f_.block(f_.entry()).instrs;
    entry.insert(entry.begin(), std::make_move_iterator(entryUndefs_.begin()),
                 std::make_move_iterator(entryUndefs_.end()));
  }

  void renameBlock(const CFG &cfg, BlockId b, std::vector<VarId> &pushed) {
    for (Instr &in : f_.block(b).instrs) {
      if (in.op != Opcode::Phi)
        forEachUseRef(in, [&](VarId &v) { v = current(v); });
      if (in.hasDest() && in.dest < numOrig_) {
        VarId orig = in.dest;
        in.dest = newVersion(orig);
        if (in.op == Opcode::Phi)
          phiOrig_[in.dest] = orig;
        stack_[orig].push_back(in.dest);
        pushed.push_back(orig);
      }
    }
    for (BlockId s : cfg.succs(b)) {
      for (Instr &phi : f_.block(s).instrs) {
        if (phi.op != Opcode::Phi)
          break;
        // Phis of s still carry their original variable until s is renamed;
        // afterwards, recover it through the version's name.
        VarId orig = origOfPhi(phi);
        phi.args.push_back(current(orig));
        phi.labels.push_back(b);
      }
    }
  }

  // Phi destinations are renamed when their block is visited, which may be
  // before or after a predecessor adds its argument; remember the original.
  VarId origOfPhi(const Instr &phi) {
    if (phi.dest < numOrig_)
      return phi.dest;
    return phiOrig_.find(phi.dest)->second;
  }
  llvm::DenseMap<VarId, VarId> phiOrig_;

  void sortPhiEntries(const CFG &cfg) {
    for (BlockId b : f_.layout) {
      const BlockList &preds = cfg.preds(b);
      for (Instr &phi : f_.block(b).instrs) {
        if (phi.op != Opcode::Phi)
          break;
        llvm::SmallVector<VarId, 2> args;
        llvm::SmallVector<BlockId, 2> labels;
        for (BlockId p : preds)
          for (size_t k = 0; k < phi.labels.size(); ++k)
            if (phi.labels[k] == p) {
              args.push_back(phi.args[k]);
              labels.push_back(p);
              break;
            }
        phi.args = std::move(args);
        phi.labels = std::move(labels);
      }
    }
  }
};

} // namespace

bool toSSA(Function &f) {
  if (!canConvertToSSA(f))
    return false;
  SSABuilder(f).run();
  return true;
}

} // namespace brisk
