#include "transforms/scalar/Simplify.h"

#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/LayoutWalk.h"
#include "analysis/Loops.h"
#include "analysis/Uses.h"

#include <llvm/ADT/DenseSet.h>

#include <algorithm>
#include <cassert>
#include <numeric>
#include <optional>
#include <vector>

namespace brisk {

namespace {

// Phis stand at the top of a block, so a block has some exactly when it
// begins with one.
bool beginsWithPhi(const Block &b) { return !b.instrs.empty() && b.instrs.front().op == Opcode::Phi; }

class CFGSimplifier {
public:
  // `facts`, when given, describe f as it is; `inSSA`: see simplifyCFG.
  CFGSimplifier(Function &f, AnalysisCache *facts, bool inSSA)
      : f_(f), facts_(facts), inSSA_(inSSA) {}

  bool run() {
    if (!applicable())
      return false;
    std::vector<BlockId> layoutBefore = f_.layout;
    materializeFallthroughs();
    bool changed = false, changedLastRound = true;
    for (int round = 0; round < 64; ++round) {
      auto [c, threaded] = foldAndThread();
      if (threaded)
        dropCFG();
      bool merged = mergeBlocks();
      c |= merged;
      if (merged)
        dropCFG();
      // After a round, no block is unreachable and no phi has an entry
      // from a block that is not its predecessor; folding alone changes no
      // edge, so only threading or merging can undo that.
      if (round == 0 || threaded || merged)
        c |= removeUnreachable();
      changedLastRound = c;
      if (!c)
        break;
      changed = true;
    }
    // A round that changed nothing leaves removeUnreachable's CFG current.
    if (changedLastRound)
      dropCFG();
    placeBlocks();
    // Labels only for blocks without one (most have one already).
    if (dropImplicitJumps())
      f_.ensureLabels();
    // Unless a round changed something, the instructions differ from the
    // input only by the jumps and returns made explicit and those dropped
    // (counted, rather than the function walked twice for its size).
    return changed || f_.layout != layoutBefore || materialized_ != dropped_;
  }

  // Whether run() made a fall-through explicit (and so may have moved the
  // instructions of that block, even where it dropped the jump again).
  bool madeJumps() const { return materialized_ != 0; }

private:
  bool applicable() {
    if (f_.layout.empty())
      return false;
    bool plain = true;
    size_t i = 0;
    oneInstr_.assign(f_.blocks.size(), 0);
    // What every block's ends say: whether it falls through, its length,
    // whether it begins with a phi.
    auto noteEnds = [&](BlockId b, const Block &blk) {
      const bool fallsThrough = !blk.terminator();
      if (fallsThrough)
        fallsThrough_.push_back(uint32_t(i));
      oneInstr_[b] = blk.instrs.size() + fallsThrough == 1; // as materializeFallthroughs leaves it
      if (beginsWithPhi(blk))
        phiBlocks_.push_back(b);
      ++i;
    };
    if (inSSA_) {
      // Nothing to refuse, and phis stand at the tops of blocks: the ends
      // of each block are all there is to read, not every instruction (on
      // a function of a million instructions, most of the lines of the
      // walk below, each a cache miss).
      walkTerminators(f_, noteEnds);
      hasPhi_ = !phiBlocks_.empty();
      return f_.returnType.isNone() || f_.block(f_.layout.back()).terminator();
    }
    walkBlocks(f_, [&](BlockId b, const Block &blk) {
      noteEnds(b, blk);
      for (const Instr &in : blk.instrs)
        switch (in.op) {
        case Opcode::Speculate:
        case Opcode::Commit:
        case Opcode::Guard:
        case Opcode::Set:
        case Opcode::Get:
          plain = false;
          break;
        case Opcode::Phi:
          hasPhi_ = true;
          break;
        default:
          break;
        }
    });
    if (!plain)
      return false;
    // Falling off the end of a value-returning function (an error the
    // reference reports only if it happens) has no explicit spelling.
    return f_.returnType.isNone() || f_.block(f_.layout.back()).terminator();
  }

  // Only the blocks applicable() saw fall through are looked at again: on
  // a function of a million instructions a walk over every block's header
  // and terminator is a few cache misses per block.
  void materializeFallthroughs() {
    const std::vector<BlockId> &layout = f_.layout;
    originalNext_.assign(f_.blocks.size(), kNoBlock);
    for (size_t i = 0; i + 1 < layout.size(); ++i)
      originalNext_[layout[i]] = layout[i + 1];
    for (uint32_t i : fallsThrough_) {
      Block &blk = f_.block(layout[i]);
      if (i + 1 < layout.size()) {
        blk.instrs.push_back(makeJump(layout[i + 1]));
      } else {
        Instr r;
        r.op = Opcode::Ret;
        blk.instrs.push_back(r);
      }
      ++materialized_;
    }
  }

  static bool isSameTargetBranch(const Instr &t) {
    return t.op == Opcode::Br && t.labels[0] == t.labels[1];
  }

  // The target of `e` when `e` is a block that only jumps, else kNoBlock.
  // A `br` whose labels agree counts as the `jmp` it is about to become
  // (see foldAndThread), unless threading made them agree this round.
  BlockId forwardTarget(BlockId e) const {
    if (!oneInstr_[e])
      return kNoBlock; // (without reading the block: see oneInstr_)
    const Block &blk = f_.block(e);
    if (e == f_.entry() || blk.instrs.size() != 1)
      return kNoBlock;
    const Instr &j = blk.instrs[0];
    if (j.op != Opcode::Jmp &&
        !(isSameTargetBranch(j) && (madeSameTarget_.empty() || !madeSameTarget_.contains(e))))
      return kNoBlock;
    BlockId t = blk.instrs[0].labels[0];
    return t == e ? kNoBlock : t;
  }

  // A `br` whose labels agree becomes a `jmp`; then jump threading (see
  // the header). One walk does both, block by block: a block whose turn
  // to be folded is still to come is read as folded already
  // (forwardTarget), so the result is that of folding every block first.
  // Returns whether anything changed and whether an edge was threaded.
  std::pair<bool, bool> foldAndThread() {
    bool folded = false, changed = false;
    madeSameTarget_.clear();
    if (targets_.empty())
      targets_.resize(f_.blocks.size());
    walkTerminators(f_, [&](BlockId p, Block &pb) {
      Instr *t = pb.terminator();
      if (t && isSameTargetBranch(*t)) {
        *t = makeJump(t->labels[0]);
        folded = true;
      }
      if (!t || (t->op != Opcode::Jmp && t->op != Opcode::Br)) {
        targets_[p] = Targets::of(t);
        return;
      }
      for (size_t k = 0; k < t->labels.size(); ++k) {
        BlockId e = t->labels[k];
        BlockId target = forwardTarget(e);
        if (target == kNoBlock || e == p)
          continue;
        Block &tb = f_.block(target);
        if (beginsWithPhi(tb)) {
          // A second edge from p into target would need two phi entries.
          if (std::find(t->labels.begin(), t->labels.end(), target) != t->labels.end())
            continue;
          if (!std::all_of(tb.instrs.begin(), tb.instrs.end(), [&](const Instr &phi) {
                return phi.op != Opcode::Phi ||
                       std::find(phi.labels.begin(), phi.labels.end(), e) != phi.labels.end();
              }))
            continue; // entries not repaired yet; removeUnreachable will
          for (Instr &phi : tb.instrs) {
            if (phi.op != Opcode::Phi)
              break;
            auto at = std::find(phi.labels.begin(), phi.labels.end(), e);
            VarId v = phi.args[at - phi.labels.begin()];
            phi.labels.push_back(p);
            phi.args.push_back(v);
          }
        }
        t->labels[k] = target;
        changed = true;
        // Folded next round, not this one (as if folding came first).
        if (isSameTargetBranch(*t))
          madeSameTarget_.insert(p);
      }
      targets_[p] = Targets::of(t);
    });
    return {folded || changed, changed};
  }

  // lastCFG_, when set, is the CFG of the function as it is: every block
  // ends in a terminator here, so neither folding a `br` whose labels agree
  // (the same one edge) nor removing unreachable blocks or phi entries
  // changes the edges of the reachable blocks; threading and merging do,
  // and drop it. Until they first do, the edges are those the facts given
  // describe (a jump made of a fall-through is the same edge), so their
  // CFG, dominators and loops serve.
  const CFG &currentCFG() {
    if (!lastCFG_) {
      if (facts_ && sameEdgesAsFacts_) {
        lastCFG_ = &facts_->cfg(CFG::Guards::Absent);
      } else {
        // From targets_, not from the blocks (see Targets).
        ownCFG_.emplace(f_, [&](BlockId b) { return targets_[b].range(); });
        lastCFG_ = &*ownCFG_;
      }
    }
    return *lastCFG_;
  }
  void dropCFG() {
    lastCFG_ = nullptr;
    sameEdgesAsFacts_ = false;
  }

  bool mergeBlocks() {
    const CFG &cfg = currentCFG();
    std::vector<BlockId> into(f_.blocks.size());
    std::iota(into.begin(), into.end(), BlockId(0));
    auto findBlock = [&](BlockId b) {
      while (into[b] != b)
        b = into[b];
      return b;
    };
    // Filled on the first phi merged away: a round that merges only blocks
    // without phis touches no table the size of the variables.
    std::vector<VarId> repl;
    bool changed = false, renamed = false;
    for (BlockId b : cfg.rpo()) {
      if (b == cfg.entry() || cfg.preds(b).size() != 1)
        continue;
      BlockId pred = cfg.preds(b)[0], a = findBlock(pred);
      if (a == b)
        continue;
      Block &ab = f_.block(a), &bb = f_.block(b);
      const Instr *at = ab.terminator();
      if (!at || at->op != Opcode::Jmp || at->labels[0] != b)
        continue;
      // Each phi of b is the value it takes from its one predecessor.
      llvm::SmallVector<std::pair<VarId, VarId>, 4> phiValues;
      bool complete = true;
      for (const Instr &in : bb.instrs) {
        if (in.op != Opcode::Phi)
          break;
        auto it = std::find(in.labels.begin(), in.labels.end(), pred);
        if (it == in.labels.end()) {
          complete = false;
          break;
        }
        phiValues.push_back({in.dest, in.args[it - in.labels.begin()]});
      }
      if (!complete)
        continue;
      if (!phiValues.empty() && repl.empty()) {
        repl.resize(f_.numVars());
        std::iota(repl.begin(), repl.end(), VarId(0));
      }
      for (auto [dest, value] : phiValues) {
        repl[dest] = value;
        renamed = true;
      }
      ab.instrs.pop_back();
      for (Instr &in : bb.instrs)
        if (in.op != Opcode::Phi)
          ab.instrs.push_back(std::move(in));
      bb.instrs.clear();
      bb.dead = true;
      oneInstr_[a] = ab.instrs.size() == 1;
      targets_[a] = targets_[b]; // b's terminator is a's now
      into[b] = a;
      if (const Instr *nt = ab.terminator())
        for (BlockId s : nt->labels)
          for (Instr &phi : f_.block(s).instrs) {
            if (phi.op != Opcode::Phi)
              break;
            for (BlockId &l : phi.labels)
              if (l == b)
                l = a;
          }
      changed = true;
    }
    if (!changed)
      return false;
    std::erase_if(f_.layout, [&](BlockId b) { return f_.block(b).dead; });
    if (renamed) {
      auto resolve = [&](VarId v) {
        while (repl[v] != v)
          v = repl[v];
        return v;
      };
      for (BlockId b : f_.layout)
        for (Instr &in : f_.block(b).instrs)
          forEachUseRef(in, [&](VarId &v) {
            if (VarId r = resolve(v); r != v) // no store when unchanged
              v = r;
          });
    }
    return true;
  }

  bool removeUnreachable() {
    const CFG &cfg = currentCFG();
    bool changed = false;
    std::vector<BlockId> kept;
    for (BlockId b : f_.layout) {
      if (cfg.reachable(b)) {
        kept.push_back(b);
      } else {
        f_.block(b).dead = true;
        changed = true;
      }
    }
    f_.layout = std::move(kept);
    if (!hasPhi_)
      return changed; // nothing here makes a phi
    // Only the blocks that began with a phi when the pass started hold
    // phis (no step here puts one at the top of another block): the others
    // are not read, where on a function of a million instructions each is
    // a cache miss or two.
    for (BlockId b : phiBlocks_) {
      Block &blk = f_.block(b);
      if (blk.dead)
        continue; // merged or unreachable
      for (Instr &phi : blk.instrs) {
        if (phi.op != Opcode::Phi)
          break;
        BlockRange preds = cfg.preds(b);
        for (size_t k = 0; k < phi.labels.size();) {
          if (std::find(preds.begin(), preds.end(), phi.labels[k]) == preds.end()) {
            phi.labels.erase(phi.labels.begin() + k);
            phi.args.erase(phi.args.begin() + k);
            changed = true;
          } else {
            ++k;
          }
        }
      }
    }
    return changed;
  }

  static bool isBareRet(const Block &b) {
    const Instr *t = b.terminator();
    return t && t->op == Opcode::Ret && t->args.empty();
  }

  void placeBlocks() {
    const CFG &cfg = currentCFG();
    std::optional<DominatorTree> ownDom;
    std::optional<LoopInfo> ownLoops;
    const bool fromFacts = facts_ && sameEdgesAsFacts_;
    if (!fromFacts) {
      ownDom.emplace(cfg);
      ownLoops.emplace(cfg, *ownDom);
    }
    const LoopInfo &loops = fromFacts ? facts_->loops() : *ownLoops;
    struct Edge {
      BlockId from, to;
      unsigned weight;
      bool wasNext;
      size_t order;
    };
    std::vector<Edge> edges;
    BlockId entry = f_.entry();
    // Only a block with one successor can end in a `jmp`: the others'
    // terminators are not read (on a function of a million instructions
    // each is a cache miss or two).
    for (size_t order = 0; order < f_.layout.size(); ++order) {
      BlockId a = f_.layout[order];
      if (cfg.succs(a).size() != 1)
        continue;
      const Instr *t = f_.block(a).terminator();
      if (!t || t->op != Opcode::Jmp)
        continue;
      BlockId to = t->labels[0];
      if (to == a || to == entry)
        continue;
      edges.push_back({a, to, std::min(loops.depth(a), loops.depth(to)),
                       originalNext_[a] == to, order});
    }
    std::sort(edges.begin(), edges.end(), [](const Edge &x, const Edge &y) {
      if (x.weight != y.weight)
        return x.weight > y.weight;
      if (x.wasNext != y.wasNext)
        return x.wasNext;
      return x.order < y.order;
    });
    size_t n = f_.blocks.size();
    std::vector<BlockId> next(n, kNoBlock), prev(n, kNoBlock), chain(n);
    std::iota(chain.begin(), chain.end(), BlockId(0));
    auto chainOf = [&](BlockId b) {
      while (chain[b] != b)
        b = chain[b] = chain[chain[b]];
      return b;
    };
    for (const Edge &e : edges) {
      if (next[e.from] != kNoBlock || prev[e.to] != kNoBlock)
        continue;
      BlockId ca = chainOf(e.from), cb = chainOf(e.to);
      if (ca == cb)
        continue; // would close a cycle
      next[e.from] = e.to;
      prev[e.to] = e.from;
      chain[cb] = ca;
    }
    auto headOf = [&](BlockId b) {
      while (prev[b] != kNoBlock)
        b = prev[b];
      return b;
    };
    auto tailOf = [&](BlockId b) {
      while (next[b] != kNoBlock)
        b = next[b];
      return b;
    };
    // The chain that should end the function: a bare `ret` there is free.
    BlockId lastHead = kNoBlock;
    if (f_.returnType.isNone()) {
      BlockId oldLast = f_.layout.back();
      if (isBareRet(f_.block(tailOf(oldLast))) && headOf(oldLast) != entry) {
        lastHead = headOf(oldLast);
      } else {
        for (BlockId b : f_.layout)
          if (prev[b] == kNoBlock && b != entry && isBareRet(f_.block(tailOf(b)))) {
            lastHead = b;
            break;
          }
      }
    }
    std::vector<BlockId> order;
    order.reserve(f_.layout.size());
    std::vector<bool> placed(n, false);
    auto emit = [&](BlockId head) {
      for (BlockId b = head; b != kNoBlock; b = next[b]) {
        order.push_back(b);
        placed[b] = true;
      }
    };
    // Each block's chain head, found by walking every chain once from its
    // head (asking headOf per block would walk long chains once per member).
    std::vector<BlockId> head(n, kNoBlock);
    for (BlockId b : f_.layout)
      if (prev[b] == kNoBlock)
        for (BlockId c = b; c != kNoBlock; c = next[c])
          head[c] = b;
    emit(entry);
    for (BlockId b : f_.layout) {
      BlockId h = head[b];
      if (!placed[h] && h != lastHead)
        emit(h);
    }
    if (lastHead != kNoBlock)
      emit(lastHead);
    f_.layout = std::move(order);
  }

  // Returns whether some block has no label.
  bool dropImplicitJumps() {
    size_t i = 0;
    bool unlabeled = false;
    walkTerminators(f_, [&](BlockId, Block &blk) {
      ++i;
      unlabeled |= !blk.hasLabel();
      auto &ins = blk.instrs;
      if (i < f_.layout.size() && !ins.empty() && ins.back().op == Opcode::Jmp &&
          ins.back().labels[0] == f_.layout[i]) {
        ins.pop_back();
        ++dropped_;
      }
    });
    if (f_.returnType.isNone()) {
      Block &last = f_.block(f_.layout.back());
      if (isBareRet(last)) {
        last.instrs.pop_back();
        ++dropped_;
      }
    }
    return unlabeled;
  }

  Function &f_;
  std::vector<BlockId> originalNext_;
  std::vector<uint32_t> fallsThrough_; // layout positions, by applicable()
  // Per block, whether it holds one instruction (applicable() notes it as
  // materializeFallthroughs leaves it; mergeBlocks, the only step that
  // changes a block's length before dropImplicitJumps, keeps it true), so
  // that forwardTarget asks it of the blocks, not of each branch target's
  // header and first instruction (on a function of a million
  // instructions, cache misses at random places).
  std::vector<uint8_t> oneInstr_;
  size_t materialized_ = 0, dropped_ = 0; // jumps and returns added and dropped
  AnalysisCache *facts_;
  const bool inSSA_;
  bool sameEdgesAsFacts_ = true; // nothing threaded or merged yet
  const CFG *lastCFG_ = nullptr; // see currentCFG()
  std::optional<CFG> ownCFG_;
  bool hasPhi_ = false;        // seen by applicable()
  std::vector<BlockId> phiBlocks_; // the blocks beginning with a phi, by applicable()
  // The targets of every block's terminator (none for a `ret`), by
  // BlockId: written by foldAndThread's walk, which reads every terminator
  // after materializeFallthroughs has given each block one and before
  // currentCFG first needs a CFG of its own, and kept by mergeBlocks, the
  // only other step that changes a terminator. The CFGs of the function
  // as the rounds leave it come from here rather than from the blocks,
  // which on a function of a million instructions are a cache miss or two
  // each (the function has no guard: applicable()).
  struct Targets {
    BlockId t[2] = {kNoBlock, kNoBlock};
    uint32_t n = 0;
    static Targets of(const Instr *term) {
      Targets x;
      if (term) {
        assert(term->labels.size() <= 2 && "a jmp's one label or a br's two");
        for (BlockId l : term->labels)
          x.t[x.n++] = l;
      }
      return x;
    }
    BlockRange range() const { return {t, n}; }
  };
  std::vector<Targets> targets_;
  // Blocks whose `br` threading made agree in this round's walk.
  llvm::DenseSet<BlockId> madeSameTarget_;
};

} // namespace

bool simplifyCFG(Function &f) { return CFGSimplifier(f, nullptr, false).run(); }

bool simplifyCFG(Function &f, AnalysisCache &facts, bool inSSA) {
  CFGSimplifier simplifier(f, &facts, inSSA);
  if (!simplifier.run()) {
    // Jumps made and dropped again leave f as it was, but may have moved
    // the instructions of their blocks (facts.defSites points at them).
    if (simplifier.madeJumps())
      facts.invalidateInstrs();
    return false;
  }
  facts.invalidateCFG();
  return true;
}

} // namespace brisk
