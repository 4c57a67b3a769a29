#include "analysis/LoopTermination.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace brisk {

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// Relation that must hold, iv R bound, for control to stay in the loop.
enum class Rel { Lt, Le, Gt, Ge };

Rel mirror(Rel r) {
  switch (r) {
  case Rel::Lt: return Rel::Gt;
  case Rel::Le: return Rel::Ge;
  case Rel::Gt: return Rel::Lt;
  case Rel::Ge: return Rel::Le;
  }
  return r;
}

Rel negate(Rel r) {
  switch (r) {
  case Rel::Lt: return Rel::Ge;
  case Rel::Le: return Rel::Gt;
  case Rel::Gt: return Rel::Le;
  case Rel::Ge: return Rel::Lt;
  }
  return r;
}

class Prover {
public:
  Prover(const Function &f, const DominatorTree &dom, const LoopInfo &loops,
         const std::vector<const Instr *> &def, const std::vector<BlockId> &defBlock)
      : f_(f), dom_(dom), loops_(loops), def_(def), defBlock_(defBlock) {}

  bool finite(LoopId l) const {
    const Loop &loop = loops_.loop(l);
    for (BlockId e : loop.blocks)
      if (loops_.loopOf(e) == l && dominatesLatches(e, loop) && exitTestIsCounted(l, e))
        return true;
    return false;
  }

private:
  const Function &f_;
  const DominatorTree &dom_;
  const LoopInfo &loops_;
  const std::vector<const Instr *> &def_;
  const std::vector<BlockId> &defBlock_;

  bool dominatesLatches(BlockId e, const Loop &loop) const {
    return std::all_of(loop.latches.begin(), loop.latches.end(),
                       [&](BlockId t) { return dom_.dominates(e, t); });
  }

  std::optional<int64_t> constant(VarId v) const {
    const Instr *d = v < def_.size() ? def_[v] : nullptr;
    if (d && d->op == Opcode::Const && d->type.isInt())
      return d->value.asInt();
    return std::nullopt;
  }

  bool invariant(LoopId l, VarId v) const {
    if (constant(v))
      return true;
    if (v >= def_.size())
      return false;
    if (!def_[v]) // a parameter
      return std::any_of(f_.params.begin(), f_.params.end(), [&](const Param &p) { return p.var == v; });
    return !loops_.contains(l, defBlock_[v]);
  }

  // v, or what the chain of `id`s defining it copies (out of SSA, a loop's
  // latch value is often `i = id i.next`).
  VarId throughCopies(VarId v) const {
    for (unsigned hops = 0; hops < 8 && v < def_.size() && def_[v] && def_[v]->op == Opcode::Id &&
                            !def_[v]->args.empty();
         ++hops)
      v = def_[v]->args[0];
    return v;
  }

  struct Induction {
    int64_t step;
    bool readsUpdate;  // v is p' (the value after this iteration's step)
    const Instr *phi;  // p
  };

  // When v is the header phi p of the loop, whose every latch value is
  // p' = p + k, or v is that p'.
  std::optional<Induction> inductionOf(LoopId l, VarId v) const {
    const Loop &loop = loops_.loop(l);
    v = throughCopies(v);
    const Instr *d = v < def_.size() ? def_[v] : nullptr;
    if (!d)
      return std::nullopt;
    if (d->op == Opcode::Phi && defBlock_[v] == loop.header) {
      if (auto k = phiStep(loop, *d, v, nullptr))
        return Induction{*k, false, d};
      return std::nullopt;
    }
    for (VarId p : d->args) {
      const Instr *pd = p < def_.size() ? def_[p] : nullptr;
      if (pd && pd->op == Opcode::Phi && defBlock_[p] == loop.header) {
        if (auto k = phiStep(loop, *pd, p, &v))
          return Induction{*k, true, pd};
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::optional<int64_t> stepOf(LoopId l, VarId v) const {
    if (auto iv = inductionOf(l, v))
      return iv->step;
    return std::nullopt;
  }

  // The constant every entry from outside the loop gives the phi.
  std::optional<int64_t> initialValue(const Loop &loop, const Instr &phi) const {
    std::optional<int64_t> init;
    for (size_t k = 0; k < phi.args.size(); ++k) {
      if (std::find(loop.latches.begin(), loop.latches.end(), phi.labels[k]) != loop.latches.end())
        continue;
      std::optional<int64_t> c = constant(throughCopies(phi.args[k]));
      if (!c || (init && *init != *c))
        return std::nullopt;
      init = c;
    }
    return init;
  }

  // `iv != bound` keeps the loop going: finite when iv starts at a constant
  // from which steps of k land exactly on the constant bound, every value in
  // between (so nothing wraps).
  bool reachesExactly(LoopId l, VarId iv, VarId bound) const {
    std::optional<int64_t> b = constant(throughCopies(bound));
    std::optional<Induction> ind = inductionOf(l, iv);
    if (!b || !ind || ind->step == 0)
      return false;
    std::optional<int64_t> init = initialValue(loops_.loop(l), *ind->phi);
    if (!init)
      return false;
    // The first value the test reads (p' wraps like the program's add).
    int64_t first = ind->readsUpdate ? int64_t(uint64_t(*init) + uint64_t(ind->step)) : *init;
    __int128 distance = __int128(*b) - __int128(first);
    return distance % ind->step == 0 && distance / ind->step >= 0;
  }

  // p = phi ...; every latch's value is one p' = p + k (and p' is *update
  // when given); returns k.
  std::optional<int64_t> phiStep(const Loop &loop, const Instr &phi, VarId p,
                                 const VarId *update) const {
    std::optional<VarId> next;
    for (size_t k = 0; k < phi.args.size(); ++k) {
      bool fromLatch = std::find(loop.latches.begin(), loop.latches.end(), phi.labels[k]) !=
                       loop.latches.end();
      if (!fromLatch)
        continue;
      if (next && *next != phi.args[k])
        return std::nullopt;
      next = phi.args[k];
    }
    if (next)
      next = throughCopies(*next);
    if (!next || *next >= def_.size() || !def_[*next] || (update && throughCopies(*update) != *next))
      return std::nullopt;
    const Instr &u = *def_[*next];
    if (u.args.size() != 2)
      return std::nullopt;
    if (u.op == Opcode::Add) {
      if (u.args[0] == p)
        if (auto c = constant(u.args[1]))
          return c;
      if (u.args[1] == p)
        if (auto c = constant(u.args[0]))
          return c;
    }
    if (u.op == Opcode::Sub && u.args[0] == p)
      if (auto c = constant(u.args[1]); c && *c != kMin)
        return -*c;
    return std::nullopt;
  }

  bool exitTestIsCounted(LoopId l, BlockId e) const {
    const Instr *br = f_.block(e).terminator();
    if (!br || br->op != Opcode::Br || br->labels.size() != 2 || br->args.size() != 1)
      return false;
    bool inT = loops_.contains(l, br->labels[0]), inF = loops_.contains(l, br->labels[1]);
    if (inT == inF)
      return false;
    VarId c = br->args[0];
    const Instr *cmp = c < def_.size() ? def_[c] : nullptr;
    if (!cmp || cmp->args.size() != 2)
      return false;
    if (cmp->op == Opcode::Eq) {
      if (inT) // stays while equal: nothing moves toward anything
        return false;
      return reachesExactly(l, cmp->args[0], cmp->args[1]) ||
             reachesExactly(l, cmp->args[1], cmp->args[0]);
    }
    Rel rel;
    switch (cmp->op) {
    case Opcode::Lt: rel = Rel::Lt; break;
    case Opcode::Le: rel = Rel::Le; break;
    case Opcode::Gt: rel = Rel::Gt; break;
    case Opcode::Ge: rel = Rel::Ge; break;
    default: return false;
    }
    if (!inT)
      rel = negate(rel); // stays in the loop when the comparison is false
    for (int side = 0; side < 2; ++side) {
      VarId iv = cmp->args[side], bound = cmp->args[1 - side];
      Rel r = side == 0 ? rel : mirror(rel);
      if (!invariant(l, bound))
        continue;
      std::optional<int64_t> step = stepOf(l, iv);
      if (step && approaches(r, *step, constant(bound)))
        return true;
    }
    return false;
  }

  // Whether iv R bound fails after finitely many steps of k, without wrap.
  static bool approaches(Rel r, int64_t k, std::optional<int64_t> bound) {
    switch (r) {
    case Rel::Lt: // iv <= bound - 1 before the step
      return k == 1 || (k > 1 && bound && *bound <= kMax - k + 1);
    case Rel::Le: // iv <= bound
      return k > 0 && bound && *bound <= kMax - k;
    case Rel::Gt:
      return k == -1 || (k < -1 && bound && *bound >= kMin - k - 1);
    case Rel::Ge:
      return k < 0 && bound && *bound >= kMin - k;
    }
    return false;
  }
};

} // namespace

std::vector<bool> findFiniteLoops(const Function &f, const CFG &cfg, const DominatorTree &dom,
                                  const LoopInfo &loops) {
  (void)cfg;
  std::vector<const Instr *> def(f.numVars(), nullptr);
  std::vector<BlockId> defBlock(f.numVars(), kNoBlock);
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.hasDest()) {
        def[in.dest] = &in;
        defBlock[in.dest] = b;
      }
  return findFiniteLoops(f, dom, loops, def, defBlock);
}

std::vector<bool> findFiniteLoops(const Function &f, const DominatorTree &dom,
                                  const LoopInfo &loops, const std::vector<const Instr *> &def,
                                  const std::vector<BlockId> &defBlock) {
  Prover prover(f, dom, loops, def, defBlock);
  std::vector<bool> out(loops.loops().size(), false);
  for (LoopId l = 0; l < out.size(); ++l)
    out[l] = prover.finite(l);
  return out;
}

} // namespace brisk
