// Rules (see StrengthReduction.h):
//  1. A root's phi holds a x φ + b at the top of every iteration: at entry
//     the chain recomputed on φ's entry value, then + a x step per back edge,
//     where φ itself advances by step (so it is exact, wrap-around included).
//  2. Only add, sub, mul, ptradd and const are copied before the loop: none
//     traps, and their operands are invariants (defined outside the loop,
//     never undef) or φ's entry value, all available at the preheader's end.
//  3. The latch update runs at the end of the one latch, so once per
//     completed iteration.
#include "transforms/loops/StrengthReduction.h"

#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "analysis/Uses.h"
#include "transforms/loops/LoopDefinitions.h"
#include "transforms/loops/LoopPreheaders.h"

#include <boost/container/flat_map.hpp>
#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/DenseMap.h>

#include <optional>
#include <vector>

namespace brisk {

namespace {

// a x φ + b, a = factor x (invariant variable, when there is one).
struct Affine {
  VarId phi = kNoVar;
  int64_t factor = 1;
  VarId invariantFactor = kNoVar;
  bool pointer = false;
};

int64_t wrapMul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }
int64_t wrapAdd(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }

class InductionVariableReduction {
public:
  InductionVariableReduction(Function &f, AnalysisCache &facts) : f_(f), facts_(facts) {}

  bool run() {
    AnalysisCache &facts = facts_;
    bool changed = insertPreheaders(f_, facts);
    const CFG &cfg = facts.cfg();
    const DominatorTree &dom = facts.domTree();
    const LoopInfo &loops = facts.loops();
    if (loops.loops().empty())
      return changed;
    defs_ = &facts.defSites();
    rename_.assign(defs_->size(), kNoVar);
    for (const Loop &loop : loops.loops())
      reduce(loop, cfg, dom, loops);
    if (!rewrote_)
      return changed;
    apply();
    return true;
  }

private:
  Function &f_;
  AnalysisCache &facts_;
  const DefSites *defs_ = nullptr; // facts_.defSites(), taken after the preheaders are in
  std::vector<VarId> rename_; // a root -> its phi

  // The readers of each variable with their blocks. Built when a loop first
  // has a chain; the instructions do not move before apply().
  UseIndex users_;
  void indexUsers() {
    if (!users_.built())
      users_.build(f_, defs_->size());
  }
  boost::container::flat_map<BlockId, std::vector<Instr>> atEnd_;   // appended before the terminator
  boost::container::flat_map<BlockId, std::vector<Instr>> phis_;    // new header phis
  bool rewrote_ = false;

  // Per loop.
  LoopId loopId_ = kNoLoop;
  const LoopInfo *loops_ = nullptr;
  llvm::DenseMap<VarId, Affine> affine_;
  llvm::DenseMap<VarId, int64_t> step_;     // basic phi -> step
  llvm::DenseMap<VarId, VarId> entryArg_;   // basic phi -> its preheader argument
  llvm::DenseMap<VarId, VarId> updates_;    // latch arguments of basic phis -> phi
  llvm::DenseMap<VarId, VarId> atEntry_;    // chain value -> its copy before the loop

  bool invariant(VarId v) const {
    return defs_->invariantIn(v, *loops_, loopId_) && rename_[v] == kNoVar;
  }
  std::optional<int64_t> constant(VarId v) const { return defs_->intConstant(v); }

  std::optional<Affine> affineOf(const Instr &in) const {
    auto get = [&](VarId v) -> const Affine * {
      auto it = affine_.find(v);
      return it == affine_.end() ? nullptr : &it->second;
    };
    if (in.args.size() != 2)
      return std::nullopt;
    VarId x = in.args[0], y = in.args[1];
    const Affine *ax = get(x), *ay = get(y);
    switch (in.op) {
    case Opcode::Add:
    case Opcode::Sub:
      if (ax && !ay && invariant(y))
        return *ax;
      if (ay && !ax && invariant(x)) {
        Affine a = *ay;
        if (in.op == Opcode::Sub)
          a.factor = wrapMul(a.factor, -1);
        return a;
      }
      if (ax && ay && ax->phi == ay->phi && ax->invariantFactor == ay->invariantFactor &&
          !ax->pointer && !ay->pointer) {
        Affine a = *ax;
        a.factor = wrapAdd(ax->factor, in.op == Opcode::Sub ? wrapMul(ay->factor, -1) : ay->factor);
        return a;
      }
      return std::nullopt;
    case Opcode::Mul: {
      const Affine *a = ax ? ax : ay;
      VarId other = ax ? y : x;
      if (!a || (ax && ay) || !invariant(other) || a->pointer)
        return std::nullopt;
      Affine r = *a;
      if (std::optional<int64_t> c = constant(other))
        r.factor = wrapMul(r.factor, *c);
      else if (r.invariantFactor == kNoVar)
        r.invariantFactor = other;
      else
        return std::nullopt;
      return r;
    }
    case Opcode::PtrAdd:
      if (ay && !ay->pointer && invariant(x)) {
        Affine r = *ay;
        r.pointer = true;
        return r;
      }
      if (ax && ax->pointer && invariant(y))
        return *ax;
      return std::nullopt;
    default:
      return std::nullopt;
    }
  }

  // `v` computed before the loop, on the phis' entry values.
  VarId entryValue(VarId v, BlockId pre) {
    if (auto it = entryArg_.find(v); it != entryArg_.end())
      return it->second;
    if (!affine_.count(v))
      return v; // an invariant
    if (auto it = atEntry_.find(v); it != atEntry_.end())
      return it->second;
    Instr copy = *defs_->def(v);
    for (VarId &a : copy.args)
      a = entryValue(a, pre);
    copy.dest = f_.freshVar(originalName(f_.varName(v)));
    atEnd_[pre].push_back(copy);
    atEntry_[v] = copy.dest;
    return copy.dest;
  }

  void reduce(const Loop &loop, const CFG &cfg, const DominatorTree &dom, const LoopInfo &loops) {
    std::optional<SimpleLoop> shape = simpleLoop(f_, loop, cfg, loops);
    if (!shape)
      return;
    BlockId header = shape->header, latch = shape->latch, pre = shape->preheader;
    loops_ = &loops;
    loopId_ = loops.loopOf(header);
    affine_.clear();
    step_.clear();
    entryArg_.clear();
    updates_.clear();
    atEntry_.clear();
    // Basic induction variables.
    for (const Instr &in : f_.block(header).instrs) {
      if (in.op != Opcode::Phi)
        break;
      std::optional<BasicInduction> iv =
          matchBasicInduction(in, latch, *defs_, dom, [&](VarId v) { return invariant(v); });
      if (!iv || defs_->isUndef(iv->init) || rename_[iv->init] != kNoVar)
        continue;
      affine_[in.dest] = Affine{in.dest, 1, kNoVar, false};
      step_[in.dest] = iv->step;
      entryArg_[in.dest] = iv->init;
      for (VarId v = iv->latchArg;; v = defs_->def(v)->args[0]) {
        updates_[v] = in.dest;
        if (v == iv->next)
          break;
      }
    }
    if (step_.empty())
      return;
    // Affine values, in RPO (operands before their uses, phis aside).
    std::vector<VarId> chain;
    for (BlockId b : loop.blocks)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest() && in.op != Opcode::Phi && rename_[in.dest] == kNoVar)
          if (std::optional<Affine> a = affineOf(in)) {
            affine_[in.dest] = *a;
            chain.push_back(in.dest);
          }
    if (chain.empty())
      return;
    // Roots: read by something that is not a chain instruction.
    // (Through the users table: a walk of the function per loop would cost
    // loops x instructions.)
    llvm::DenseMap<VarId, bool> isRoot;
    auto inChain = [&](const Instr &in) {
      return in.hasDest() && in.op != Opcode::Phi && affine_.count(in.dest) &&
             !updates_.count(in.dest);
    };
    indexUsers();
    for (VarId v : chain) {
      if (updates_.count(v))
        continue;
      for (const UseIndex::Use &u : users_.of(v))
        if (!(inChain(*u.instr) && loops.contains(loopId_, u.block))) {
          isRoot[v] = true;
          break;
        }
    }
    unsigned everyIteration = 0;
    for (VarId v : chain)
      if (!updates_.count(v) && dom.dominates(defs_->block(v), latch))
        ++everyIteration;
    if (isRoot.size() >= everyIteration)
      return;
    for (VarId v : chain) {
      if (!isRoot.count(v))
        continue;
      const Affine &a = affine_[v];
      VarId init = entryValue(v, pre);
      // The step: a x step of the basic variable.
      int64_t k = wrapMul(a.factor, step_[a.phi]);
      VarId stepVar = f_.freshVar("sr.step");
      Instr c;
      c.op = Opcode::Const;
      c.type = Type::intTy();
      c.dest = stepVar;
      c.value = Literal::ofInt(k);
      // Once per call, not per loop entry (the entry dominates everything).
      atEnd_[f_.entry()].push_back(c);
      if (a.invariantFactor != kNoVar) {
        Instr m;
        m.op = Opcode::Mul;
        m.type = Type::intTy();
        m.dest = f_.freshVar("sr.step");
        m.args = {a.invariantFactor, stepVar};
        stepVar = m.dest;
        atEnd_[pre].push_back(m);
      }
      VarId phiVar = f_.freshVar(originalName(f_.varName(v)));
      VarId nextVar = f_.freshVar(originalName(f_.varName(v)));
      Instr next;
      next.op = a.pointer ? Opcode::PtrAdd : Opcode::Add;
      next.type = defs_->def(v)->type;
      next.dest = nextVar;
      next.args = {phiVar, stepVar};
      atEnd_[latch].push_back(next);
      Instr phi;
      phi.op = Opcode::Phi;
      phi.type = defs_->def(v)->type;
      phi.dest = phiVar;
      phi.args = {init, nextVar};
      phi.labels = {pre, latch};
      phis_[header].push_back(phi);
      rename_.resize(f_.numVars(), kNoVar);
      rename_[v] = phiVar;
      rewrote_ = true;
    }
  }

  void apply() {
    rename_.resize(f_.numVars(), kNoVar);
    for (BlockId b : f_.layout) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      std::vector<Instr> kept;
      kept.reserve(instrs.size());
      for (Instr &in : instrs)
        if (!(in.hasDest() && rename_[in.dest] != kNoVar))
          kept.push_back(std::move(in));
      instrs = std::move(kept);
    }
    for (auto &[b, added] : atEnd_) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      size_t at = instrs.size() - (f_.block(b).terminator() ? 1 : 0);
      instrs.insert(instrs.begin() + at, added.begin(), added.end());
    }
    for (auto &[b, added] : phis_) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      instrs.insert(instrs.begin(), added.begin(), added.end());
    }
    for (BlockId b : f_.layout)
      for (Instr &in : f_.block(b).instrs)
        forEachUseRef(in, [&](VarId &a) {
          while (a < rename_.size() && rename_[a] != kNoVar)
            a = rename_[a];
        });
  }
};

} // namespace

bool reduceInductionVariables(Function &f, AnalysisCache &facts) { return InductionVariableReduction(f, facts).run(); }

bool reduceInductionVariables(Function &f) {
  AnalysisCache facts(f);
  return reduceInductionVariables(f, facts);
}

} // namespace brisk
