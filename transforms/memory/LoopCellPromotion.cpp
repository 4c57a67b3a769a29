// The promotion (see LoopCellPromotion.h). One cell at a time: after each
// promotion every analysis is rebuilt (new blocks, phis and values), and the
// walk over the loops, innermost first, starts again.
//
// The value of the cell inside L is built on demand (Braun et al., "Simple
// and Efficient Construction of SSA Form"): at the end of a block it is the
// last value stored there, else the value at its start; at the start of the
// header a phi of the entry value and the back edges' values; at the start of
// another block of L the value at its one predecessor's end, or a phi of its
// predecessors' (every predecessor of a non-header block of a natural loop is
// in the loop). Phis are memoized before their operands are asked for, so
// inner loops close their cycles; copy propagation removes the trivial ones.
#include "transforms/memory/LoopCellPromotion.h"

#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "analysis/MemoryAlias.h"
#include "transforms/loops/LoopPreheaders.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace brisk {

namespace {

// Promotions per function at most (each rebuilds the analyses).
constexpr int kMaxPromotions = 64;
// Blocks walked back from a preheader in search of the entry value.
constexpr int kMaxEntrySearch = 8;

class CellPromotion {
public:
  CellPromotion(Function &f, const llvm::StringSet<> *writers, AnalysisCache &facts,
                const MemoryOps *ops)
      : f_(f), writers_(writers), ops_(ops), facts_(facts) {}

  bool run() {
    bool changed = insertPreheaders(f_, facts_);
    // Only a loop's store makes a candidate: without one, no analysis.
    if (!(ops_ ? ops_->store : hasStore()))
      return changed;
    for (int n = 0; n < kMaxPromotions; ++n)
      if (!promoteOne())
        break;
      else
        changed = true;
    return changed;
  }

private:
  Function &f_;
  const llvm::StringSet<> *writers_;
  const MemoryOps *ops_; // null: hasStore() looks

  // Analyses of the current function: facts_ drops them after each
  // promotion, and analyze() takes them again.
  AnalysisCache &facts_;
  const CFG *cfg_ = nullptr;
  const LoopInfo *loops_ = nullptr;
  std::optional<MemoryAlias> alias_;
  std::vector<BlockId> defBlock_;
  std::vector<Type> type_;
  std::vector<bool> inLoop_;
  std::vector<BlockId> marked_; // the blocks inLoop_ holds

  bool hasStore() const {
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == Opcode::Store)
          return true;
    return false;
  }

  void analyze() {
    cfg_ = &facts_.cfg();
    loops_ = &facts_.loops();
    alias_.emplace(f_, writers_, facts_.domTree());
    defBlock_.assign(f_.numVars(), kNoBlock);
    type_.assign(f_.numVars(), Type::none());
    for (const Param &p : f_.params) {
      defBlock_[p.var] = cfg_->entry();
      type_[p.var] = p.type;
    }
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest()) {
          defBlock_[in.dest] = b;
          type_[in.dest] = in.type;
        }
    inLoop_.assign(f_.blocks.size(), false);
    marked_.clear();
  }

  bool definedOutside(VarId v) const {
    return defBlock_[v] != kNoBlock && !inLoop_[defBlock_[v]] &&
           cfg_->rpoIndex(defBlock_[v]) != CFG::kNotReached;
  }

  bool promoteOne() {
    analyze();
    if (loops_->irreducible())
      return false;
    for (size_t i = loops_->loops().size(); i-- > 0;)
      if (promoteIn(loops_->loop(LoopId(i)))) {
        facts_.invalidateCFG();
        return true;
      }
    return false;
  }

  struct Access {
    BlockId block;
    size_t index;
  };

  bool promoteIn(const Loop &loop) {
    BlockId pre = preheaderOf(f_, *cfg_, *loops_, loop.header);
    if (pre == kNoBlock)
      return false;
    // Unmark the previous loop's blocks only: a fill per loop would cost
    // loops x blocks in a function of many loops.
    for (BlockId b : marked_)
      inLoop_[b] = false;
    marked_.assign(loop.blocks.begin(), loop.blocks.end());
    for (BlockId b : loop.blocks)
      inLoop_[b] = true;
    // Candidate addresses: those of the loop's stores defined outside it.
    std::vector<VarId> candidates;
    for (BlockId b : loop.blocks)
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == Opcode::Store && definedOutside(in.args[0]) &&
            std::none_of(candidates.begin(), candidates.end(),
                         [&](VarId c) { return alias_->mustAlias(c, in.args[0]); }))
          candidates.push_back(in.args[0]);
    for (VarId p : candidates)
      if (promote(loop, pre, p))
        return true;
    return false;
  }

  // Every access of `loop` to p's cell, or nullopt when something in the
  // loop may reach the cell otherwise.
  std::optional<std::vector<Access>> accessesOf(const Loop &loop, VarId p) const {
    std::vector<Access> out;
    for (BlockId b : loop.blocks) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        switch (in.op) {
        case Opcode::Load:
        case Opcode::Store:
          if (alias_->mustAlias(in.args[0], p))
            out.push_back({b, i});
          else if (alias_->mayAlias(in.args[0], p))
            return std::nullopt;
          break;
        case Opcode::Free:
          if (alias_->maySameObject(in.args[0], p))
            return std::nullopt;
          break;
        case Opcode::Call:
          if (alias_->callMayTouch(p))
            return std::nullopt;
          break;
        default:
          break;
        }
      }
    }
    return out;
  }

  // The cell's value at the end of the preheader from an access on the
  // straight path that ends there, or kNoVar.
  VarId entryValue(BlockId pre, VarId p) const {
    BlockId b = pre;
    for (int walked = 0; walked < kMaxEntrySearch; ++walked) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (size_t i = instrs.size(); i-- > 0;) {
        const Instr &in = instrs[i];
        switch (in.op) {
        case Opcode::Store:
          if (alias_->mustAlias(in.args[0], p))
            return in.args[1];
          if (alias_->mayAlias(in.args[0], p))
            return kNoVar;
          break;
        case Opcode::Load:
          if (alias_->mustAlias(in.args[0], p))
            return in.dest;
          break;
        case Opcode::Free:
          if (alias_->maySameObject(in.args[0], p))
            return kNoVar;
          break;
        case Opcode::Call:
          if (alias_->callMayWrite(in, p))
            return kNoVar;
          break;
        default:
          break;
        }
      }
      if (b == cfg_->entry() || cfg_->preds(b).size() != 1)
        return kNoVar;
      b = cfg_->preds(b).front();
      if (inLoop_[b]) // only in unreachable code
        return kNoVar;
    }
    return kNoVar;
  }

  // The index of the header's load of p's cell that runs before anything
  // else of the header that may trap or has an effect, or nullopt.
  std::optional<size_t> firstHeaderLoad(BlockId header, VarId p) const {
    const std::vector<Instr> &instrs = f_.block(header).instrs;
    for (size_t i = 0; i < instrs.size(); ++i) {
      const Instr &in = instrs[i];
      if (in.op == Opcode::Load)
        return definedOutside(in.args[0]) && alias_->mustAlias(in.args[0], p)
                   ? std::optional<size_t>(i)
                   : std::nullopt;
      if (keepsOrder(in.op))
        return std::nullopt;
    }
    return std::nullopt;
  }

  bool promote(const Loop &loop, BlockId pre, VarId p) {
    std::optional<std::vector<Access>> accesses = accessesOf(loop, p);
    if (!accesses)
      return false;
    Type cellType = type_[p].isPtr() ? type_[p].pointee() : Type::none();
    if (cellType == Type::none())
      return false;
    VarId init = entryValue(pre, p);
    if (init == kNoVar) {
      std::optional<size_t> at = firstHeaderLoad(loop.header, p);
      if (!at)
        return false;
      // The header's first risky instruction moves to the preheader's end,
      // where the loop's first iteration would have run it.
      std::vector<Instr> &hdr = f_.block(loop.header).instrs;
      Instr load = hdr[*at];
      init = f_.freshVar(originalName(f_.varName(load.dest)));
      load.dest = init;
      std::vector<Instr> &dst = f_.block(pre).instrs;
      auto end = !dst.empty() && dst.back().isTerminator() ? dst.end() - 1 : dst.end();
      dst.insert(end, std::move(load));
    }
    rewrite(loop, pre, p, init, cellType, *accesses);
    return true;
  }

  // --- the cell as an SSA value inside the loop ---------------------------
  struct Builder {
    std::vector<VarId> atStart; // by block; kNoVar: not yet built
    std::vector<VarId> lastStored; // by block: value of the block's last store, or kNoVar
  };

  VarId newPhi(BlockId b, Type type, const std::string &hint) {
    Instr phi;
    phi.op = Opcode::Phi;
    phi.type = type;
    phi.dest = f_.freshVar(hint);
    std::vector<Instr> &instrs = f_.block(b).instrs;
    auto at = std::find_if(instrs.begin(), instrs.end(),
                           [](const Instr &in) { return in.op != Opcode::Phi; });
    VarId dest = phi.dest;
    instrs.insert(at, std::move(phi));
    return dest;
  }

  Instr *phiOf(BlockId b, VarId dest) {
    for (Instr &in : f_.block(b).instrs)
      if (in.op == Opcode::Phi && in.dest == dest)
        return &in;
    return nullptr;
  }

  VarId valueAtEnd(Builder &bd, BlockId b, Type type, const std::string &hint, const Loop &loop,
                   BlockId pre, VarId init) {
    if (bd.lastStored[b] != kNoVar)
      return bd.lastStored[b];
    return valueAtStart(bd, b, type, hint, loop, pre, init);
  }

  VarId valueAtStart(Builder &bd, BlockId b, Type type, const std::string &hint,
                     const Loop &loop, BlockId pre, VarId init) {
    if (bd.atStart[b] != kNoVar)
      return bd.atStart[b];
    BlockRange preds = cfg_->preds(b);
    if (b != loop.header && preds.size() == 1)
      return bd.atStart[b] = valueAtEnd(bd, preds.front(), type, hint, loop, pre, init);
    VarId phi = newPhi(b, type, hint);
    bd.atStart[b] = phi;
    llvm::SmallVector<VarId, 4> args;
    llvm::SmallVector<BlockId, 4> labels;
    for (BlockId q : preds) {
      labels.push_back(q);
      args.push_back(q == pre ? init : valueAtEnd(bd, q, type, hint, loop, pre, init));
    }
    Instr *in = phiOf(b, phi);
    in->args.assign(args.begin(), args.end());
    in->labels.assign(labels.begin(), labels.end());
    return phi;
  }

  void rewrite(const Loop &loop, BlockId pre, VarId p, VarId init, Type type,
               const std::vector<Access> &accesses) {
    // Named after what the loop stores (fromSSA coalesces by name).
    std::string hint = originalName(f_.varName(init));
    for (const Access &a : accesses) {
      const Instr &in = f_.block(a.block).instrs[a.index];
      if (in.op == Opcode::Store) {
        hint = originalName(f_.varName(in.args[1]));
        break;
      }
    }
    Builder bd;
    bd.atStart.assign(f_.blocks.size(), kNoVar);
    bd.lastStored.assign(f_.blocks.size(), kNoVar);
    for (const Access &a : accesses) {
      const Instr &in = f_.block(a.block).instrs[a.index];
      if (in.op == Opcode::Store)
        bd.lastStored[a.block] = in.args[1];
    }
    // Exit edges, before the blocks change.
    std::vector<std::pair<BlockId, BlockId>> exits;
    for (BlockId b : loop.blocks)
      for (BlockId s : cfg_->succs(b))
        if (!inLoop_[s])
          exits.push_back({b, s});
    std::vector<VarId> exitValue;
    for (auto [u, x] : exits)
      exitValue.push_back(valueAtEnd(bd, u, type, hint, loop, pre, init));
    // Loads read the value that reaches them; stores go (their value is the
    // one after them).
    for (BlockId b : loop.blocks) {
      bool touched = std::any_of(accesses.begin(), accesses.end(),
                                 [&](const Access &a) { return a.block == b; });
      if (!touched)
        continue;
      VarId cur = valueAtStart(bd, b, type, hint, loop, pre, init);
      std::vector<Instr> &instrs = f_.block(b).instrs;
      std::vector<Instr> kept;
      kept.reserve(instrs.size());
      for (Instr &in : instrs) {
        bool access = (in.op == Opcode::Load || in.op == Opcode::Store) &&
                      alias_->mustAlias(in.args[0], p);
        if (access && in.op == Opcode::Store) {
          cur = in.args[1];
          continue;
        }
        if (access) {
          in.op = Opcode::Id;
          in.args[0] = cur;
        }
        kept.push_back(std::move(in));
      }
      instrs = std::move(kept);
    }
    for (size_t i = 0; i < exits.size(); ++i)
      storeOnEdge(exits[i].first, exits[i].second, p, exitValue[i]);
  }

  // `store p v` on the edge u -> x.
  void storeOnEdge(BlockId u, BlockId x, VarId p, VarId v) {
    Instr store;
    store.op = Opcode::Store;
    store.args = {p, v};
    if (cfg_->preds(x).size() == 1) {
      std::vector<Instr> &instrs = f_.block(x).instrs;
      auto at = std::find_if(instrs.begin(), instrs.end(),
                             [](const Instr &in) { return in.op != Opcode::Phi; });
      instrs.insert(at, std::move(store));
      return;
    }
    BlockId s = f_.addFreshBlock(f_.labelOf(x).empty() ? "exit" : f_.labelOf(x) + ".exit");
    f_.block(s).instrs.push_back(std::move(store));
    Instr *term = f_.block(u).terminator();
    if (term) {
      for (BlockId &l : term->labels)
        if (l == x)
          l = s;
      f_.block(s).instrs.push_back(makeJump(x));
    } // else u falls through into x, and now through s.
    auto at = std::find(f_.layout.begin(), f_.layout.end(), u);
    f_.layout.insert(at + 1, s);
    for (Instr &in : f_.block(x).instrs) {
      if (in.op != Opcode::Phi)
        break;
      for (BlockId &l : in.labels)
        if (l == u)
          l = s;
    }
    f_.ensureLabels();
  }
};

} // namespace

bool promoteLoopCells(Function &f, const llvm::StringSet<> *memoryWriters, AnalysisCache &facts,
                      const MemoryOps *ops) {
  if (!CellPromotion(f, memoryWriters, facts, ops).run())
    return false;
  facts.invalidateCFG(); // exit-edge blocks
  return true;
}

bool promoteLoopCells(Function &f, const llvm::StringSet<> *memoryWriters) {
  AnalysisCache facts(f);
  return promoteLoopCells(f, memoryWriters, facts);
}

} // namespace brisk
