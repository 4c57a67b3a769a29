#include "transforms/ssa/ToSSA.h"

#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Dominators.h"
#include "analysis/Liveness.h"
#include "analysis/Uses.h"

#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <charconv>
#include <optional>
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

  // `cfg` is f's CFG as it is now and `dom` its dominator tree (the ones
  // canConvertToSSA's check used).
  void run(std::optional<CFG> cfg, std::optional<DominatorTree> dom) {
    // Each CFG (and its tree) is rebuilt only when the step before changed
    // the function; from the terminators alone, as toSSA's first (the
    // function is plain: no guard).
    if (removeUnreachable(*cfg)) {
      cfg.emplace(f_, CFG::Guards::Absent);
      dom.reset();
    }
    if (ensureEntryHasNoPreds(*cfg)) {
      cfg.emplace(f_, CFG::Guards::Absent);
      dom.reset();
    }
    if (!dom)
      dom.emplace(*cfg);
    DominanceFrontier df(*cfg, *dom);
    numOrig_ = f_.numVars();
    findCollidingNames();
    // Either form of the live sets (chooseLivenessForm: the dense one
    // unless it would be quadratic, as in N loops of their own counters),
    // taken once so that the pruning test is not a branch per query; freed
    // before renaming. The sparse sets are of only the variables that may
    // need a phi: the others may be live across the whole function (N
    // values live across N loops). The dense rows cost the same whichever
    // variables they hold: for them the variables are not told apart (a
    // walk of every read, 0.2% of `brisk ssa` on big100000).
    const LivenessForm form = chooseLivenessForm(cfg->numBlocks(), f_.numVars(), f_.instrCount());
    const std::optional<llvm::BitVector> mayNeedPhi = form == LivenessForm::Sparse
                                                          ? findDefinitions<true>(*dom)
                                                          : findDefinitions<false>(*dom);
    ChosenLiveness(f_, *cfg, form, SparseLiveness::Sets::InOnly,
                   mayNeedPhi ? &*mayNeedPhi : nullptr)
        .visit([&](const auto &live) { placePhis(*cfg, df, mayNeedPhi, live); });
    std::vector<std::vector<BlockId>>().swap(defsites_);
    rename(*cfg, *dom);
    sortPhiEntries(*cfg);
  }

private:
  Function &f_;
  size_t numOrig_ = 0;
  std::vector<Type> type_;               // per original variable
  std::vector<unsigned> nextVersion_;    // per original variable
  std::vector<VarId> undefOf_;           // per original variable, lazily created
  std::vector<std::vector<VarId>> stack_;
  std::vector<Instr> entryUndefs_;
  // Per original variable: some variable is already named `<it>.<digits>`,
  // so a version's name must be checked before it is taken.
  std::vector<uint8_t> mayCollide_;
  std::string nameBuffer_;

  // Returns whether it removed a block.
  bool removeUnreachable(const CFG &cfg) {
    std::vector<BlockId> kept;
    kept.reserve(f_.layout.size());
    for (BlockId b : f_.layout) {
      if (cfg.reachable(b))
        kept.push_back(b);
      else
        f_.block(b).dead = true;
    }
    if (kept.size() == f_.layout.size())
      return false;
    f_.layout = std::move(kept);
    return true;
  }

  // Returns whether it added the block.
  bool ensureEntryHasNoPreds(const CFG &cfg) {
    if (cfg.preds(f_.entry()).empty())
      return false;
    // Unlabeled, so nothing can branch to it; it falls through to the old entry.
    BlockId fresh = f_.addBlock();
    f_.layout.insert(f_.layout.begin(), fresh);
    return true;
  }

  // A version `<v>.<n>` can only clash with a name the function had before:
  // two versions differ in v or n, and the digits after the last dot give
  // both back.
  void findCollidingNames() {
    mayCollide_.assign(numOrig_, 0);
    for (VarId v = 0; v < numOrig_; ++v) {
      const std::string &name = f_.varName(v);
      size_t dot = name.rfind('.');
      if (dot == std::string::npos || dot + 1 == name.size())
        continue;
      if (!std::all_of(name.begin() + dot + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
        continue;
      if (std::optional<VarId> base = f_.lookupVar(std::string_view(name).substr(0, dot)))
        mayCollide_[*base] = 1;
    }
  }

  // Records each variable's definition blocks (defsites_) and type (that of
  // its first definition), and returns the variables that may need a phi
  // (none, meaning every variable, unless kTell), all in one walk over the
  // instructions.
  //
  // A variable defined in one block D, with every read that is not after a
  // definition in its own block in a block D strictly dominates, needs
  // none: a phi for it would go to a block y of D's iterated dominance
  // frontier, which D does not strictly dominate, where it is live in, so on
  // a path from y to a read that meets no definition; that read's block is
  // then not strictly dominated by D (a path from the entry to y avoiding
  // D, then on to the read) or is D itself, read before its definition.
  // (Not "defined once needs no phi": a read before the definition in a
  // loop that the first iteration skips is definitely assigned by
  // DefiniteAssignment's path-sensitive rule, and needs a phi taking an
  // undef from the entry.) Parameters are defined at the top of the entry.
  template <bool kTell> std::optional<llvm::BitVector> findDefinitions(const DominatorTree &dom) {
    defsites_.assign(numOrig_, {});
    type_.assign(numOrig_, Type::none());
    // Per variable, the block of the last definition seen, to tell a read
    // after a definition in its own block; per read that is not, the
    // (variable, block).
    std::vector<BlockId> definedIn(kTell ? numOrig_ : 0, kNoBlock);
    std::vector<std::pair<VarId, BlockId>> exposedReads;
    for (const Param &p : f_.params) {
      defsites_[p.var].push_back(f_.entry());
      type_[p.var] = p.type;
      if constexpr (kTell)
        definedIn[p.var] = f_.entry();
    }
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs) {
        if constexpr (kTell)
          forEachUse(in, [&](VarId v) {
            if (definedIn[v] != b)
              exposedReads.push_back({v, b});
          });
        if (in.hasDest()) {
          if (type_[in.dest].isNone())
            type_[in.dest] = in.type;
          if (defsites_[in.dest].empty() || defsites_[in.dest].back() != b)
            defsites_[in.dest].push_back(b);
          if constexpr (kTell)
            definedIn[in.dest] = b;
        }
      }
    if constexpr (!kTell) {
      return std::nullopt;
    } else {
      llvm::BitVector mayNeedPhi(static_cast<unsigned>(numOrig_));
      for (VarId v = 0; v < numOrig_; ++v)
        if (defsites_[v].size() > 1)
          mayNeedPhi.set(v);
      for (const auto &[v, b] : exposedReads)
        if (defsites_[v].size() == 1 && !dom.strictlyDominates(defsites_[v][0], b))
          mayNeedPhi.set(v);
      return mayNeedPhi;
    }
  }
  std::vector<std::vector<BlockId>> defsites_; // per original variable, while phis are placed

  // Cytron's worklist over the iterated dominance frontier, pruned by
  // liveness: a phi for v at a block where v is dead would only be deleted
  // again. `live` has the sets of the variables of mayNeedPhi (all when
  // none); the others get no phi (see findDefinitions).
  template <class LiveSets>
  void placePhis(const CFG &cfg, const DominanceFrontier &df,
                 const std::optional<llvm::BitVector> &mayNeedPhi, const LiveSets &live) {
    std::vector<unsigned> hasPhi(cfg.numBlocks(), ~0u), queued(cfg.numBlocks(), ~0u);
    // (block, variable) for every phi, in the order they are placed (by
    // variable): grouped by block below, not a vector of phis per block.
    std::vector<std::pair<BlockId, VarId>> placed;
    for (VarId v = 0; v < numOrig_; ++v) {
      if (defsites_[v].empty() || type_[v].isNone() || (mayNeedPhi && !mayNeedPhi->test(v)))
        continue;
      std::vector<BlockId> work = defsites_[v];
      for (BlockId b : work)
        queued[b] = v;
      while (!work.empty()) {
        BlockId b = work.back();
        work.pop_back();
        for (BlockId y : df.frontier(b)) {
          if (hasPhi[y] == v || !live.isLiveIn(v, y))
            continue;
          hasPhi[y] = v;
          placed.push_back({y, v});
          if (queued[y] != v) {
            queued[y] = v;
            work.push_back(y);
          }
        }
      }
    }
    // Each block's phis by counting sort (stable: by variable within a
    // block), inserted in front of its instructions.
    const size_t nb = cfg.numBlocks();
    std::vector<uint32_t> start(nb + 1, 0);
    for (const auto &[b, v] : placed)
      ++start[b + 1];
    for (size_t b = 0; b < nb; ++b)
      start[b + 1] += start[b];
    std::vector<VarId> vars(placed.size());
    {
      std::vector<uint32_t> next(start.begin(), start.end() - 1);
      for (const auto &[b, v] : placed)
        vars[next[b]++] = v;
    }
    phiBlocks_.clear();
    std::vector<Instr> phis;
    for (BlockId b : f_.layout) {
      if (start[b] == start[b + 1])
        continue;
      phiBlocks_.push_back(b);
      phis.clear();
      for (uint32_t k = start[b]; k < start[b + 1]; ++k) {
        Instr &phi = phis.emplace_back();
        phi.op = Opcode::Phi;
        phi.type = type_[vars[k]];
        phi.dest = vars[k]; // renamed below; still the original variable here
      }
      std::vector<Instr> &instrs = f_.block(b).instrs;
      instrs.insert(instrs.begin(), std::make_move_iterator(phis.begin()),
                    std::make_move_iterator(phis.end()));
    }
  }
  std::vector<BlockId> phiBlocks_; // the blocks placePhis gave phis, in layout order

  VarId newVersion(VarId v) {
    for (;;) {
      nameBuffer_ = f_.varName(v);
      nameBuffer_ += '.';
      char digits[16];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, nextVersion_[v]++);
      nameBuffer_.append(digits, end);
      if (!mayCollide_[v] || !f_.lookupVar(nameBuffer_)) {
        // New, so no lookup: on a large function each would be a cache
        // miss, where the next lookup indexes all the versions in one sweep.
        VarId version = f_.addNewVar(nameBuffer_);
        if (version >= numOrig_) {
          if (origOf_.size() <= version - numOrig_)
            origOf_.resize(version - numOrig_ + 1, kNoVar);
          origOf_[version - numOrig_] = v;
        }
        return version;
      }
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
    // versions it pushed are popped. The variables the blocks on the walk's
    // path pushed are one stack, pushed[frame.pushedFrom, ...) a frame's own
    // (not a vector per block).
    struct Frame {
      BlockId block;
      unsigned nextChild;
      size_t pushedFrom;
    };
    std::vector<Frame> frames;
    std::vector<VarId> pushed;
    frames.push_back({f_.entry(), 0, 0});
    renameBlock(cfg, frames.back().block, pushed);
    while (!frames.empty()) {
      Frame &top = frames.back();
      BlockRange kids = dom.children(top.block);
      if (top.nextChild < kids.size()) {
        BlockId c = kids[top.nextChild++];
        frames.push_back({c, 0, pushed.size()});
        renameBlock(cfg, c, pushed);
        continue;
      }
      for (size_t i = top.pushedFrom; i < pushed.size(); ++i)
        stack_[pushed[i]].pop_back();
      pushed.resize(top.pushedFrom);
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
    return origOf_[phi.dest - numOrig_];
  }
  // The original variable of each version v, at origOf_[v - numOrig_] (new
  // variables are numbered after the original ones).
  std::vector<VarId> origOf_;

  void sortPhiEntries(const CFG &cfg) {
    for (BlockId b : phiBlocks_) {
      BlockRange preds = cfg.preds(b);
      for (Instr &phi : f_.block(b).instrs) {
        if (phi.op != Opcode::Phi)
          break;
        IdVector args;
        IdVector labels;
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
  // canConvertToSSA, sharing its CFG with the construction (read off the
  // terminators alone: isPlainNonSpeculative has just seen no guard; and
  // definite assignment is told so, rather than looking again).
  if (f.layout.empty() || !isPlainNonSpeculative(f))
    return false;
  std::optional<CFG> cfg(std::in_place, f, CFG::Guards::Absent);
  std::optional<DominatorTree> dom(std::in_place, *cfg); // (the check's, and then the builder's)
  if (!DefiniteAssignment(f, *cfg, *dom, DefiniteAssignment::Tracking::Needed,
                          DefiniteAssignment::Shape::Plain)
           .possiblyUndefinedReads()
           .empty())
    return false;
  SSABuilder(f).run(std::move(cfg), std::move(dom));
  return true;
}

} // namespace brisk
