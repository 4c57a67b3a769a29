// Rules (see LinearTestReplacement.h):
//  1. A test is rewritten only when every evaluation of the new test gives
//     the old one's outcome: the exit iteration K is the same, wrap-around
//     included, and the old counter is then read by nothing.
//  2. Only add, sub, mul and const are added, at the end of the preheader
//     (once per loop entry; constants once per call, in the entry block), on
//     values defined outside the loop: nothing that may trap moves.
//  3. Constants emitted stay within +-2^53.
#include "transforms/loops/LinearTestReplacement.h"

#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "analysis/Uses.h"
#include "transforms/loops/LoopDefinitions.h"
#include "transforms/loops/LoopPreheaders.h"

#include <boost/container/flat_map.hpp>
#include <llvm/ADT/ArrayRef.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

namespace brisk {

namespace {

constexpr int64_t kMaxExactLiteral = int64_t(1) << 53;

int64_t wrapMul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }

// The inverse of an odd s modulo 2^64 (Newton's iteration doubles the
// correct low bits each step: 3 -> 6 -> ... -> 96).
int64_t inverseOdd(int64_t s) {
  uint64_t u = uint64_t(s), x = u;
  for (int i = 0; i < 5; ++i)
    x *= 2 - u * x;
  return int64_t(x);
}

// "Continue while lhs REL rhs".
enum class Relation { Less, NotEqual };

struct Edit {
  BlockId exitBlock;
  Instr compare;         // before exitBlock's terminator
  BlockId leave, stay;   // the terminator's new targets: br compare leave stay
  std::vector<Instr> beforeLoop;
};

class ExitTestReplacement {
public:
  ExitTestReplacement(Function &f, AnalysisCache &facts) : f_(f), facts_(facts) {}

  bool run() {
    AnalysisCache &facts = facts_;
    bool changed = insertPreheaders(f_, facts);
    const CFG &cfg = facts.cfg();
    const DominatorTree &dom = facts.domTree();
    const LoopInfo &loops = facts.loops();
    if (loops.loops().empty())
      return changed;
    defs_ = &facts.defSites();
    for (const Loop &loop : loops.loops())
      rewrite(loop, cfg, dom, loops);
    if (edits_.empty())
      return changed;
    apply();
    return true;
  }

private:
  Function &f_;
  AnalysisCache &facts_;
  const DefSites *defs_ = nullptr; // facts_.defSites(), taken after the preheaders are in
  // The readers of each variable. Built by indexUsers() when a loop first
  // has two induction variables, so a function whose loops have none never
  // pays for it; the instructions do not move before apply().
  UseIndex users_;
  void indexUsers() {
    if (!users_.built())
      users_.build(f_, defs_->size());
  }
  boost::container::flat_map<BlockId, Edit> edits_;      // by preheader
  std::vector<Instr> entryConstants_;  // appended to the entry block

  const LoopInfo *loops_ = nullptr;
  LoopId loopId_ = kNoLoop;

  bool invariant(VarId v) const { return defs_->invariantIn(v, *loops_, loopId_); }
  std::optional<int64_t> constant(VarId v) const { return defs_->intConstant(v); }
  VarId stripCopies(VarId v) const { return defs_->stripCopies(v); }

  // The header's basic induction variables (LoopDefinitions.h) that start
  // from an invariant and move.
  std::vector<BasicInduction> inductions(BlockId header, BlockId latch,
                                         const DominatorTree &dom) const {
    std::vector<BasicInduction> out;
    for (const Instr &in : f_.block(header).instrs) {
      if (in.op != Opcode::Phi)
        break;
      std::optional<BasicInduction> iv =
          matchBasicInduction(in, latch, *defs_, dom, [&](VarId v) { return invariant(v); });
      if (iv && invariant(iv->init) && iv->step != 0)
        out.push_back(*iv);
    }
    return out;
  }

  // The variables that carry iv's value around the loop: its phi, its
  // update and the copies of either.
  std::vector<VarId> carriers(const BasicInduction &iv) const {
    std::vector<VarId> vars{iv.phi};
    for (size_t k = 0; k < vars.size() && vars.size() < 64; ++k)
      for (const UseIndex::Use &u : users_.of(vars[k]))
        if ((u.instr->op == Opcode::Id || u.instr == iv.update) && u.instr->hasDest() &&
            std::find(vars.begin(), vars.end(), u.instr->dest) == vars.end())
          vars.push_back(u.instr->dest);
    return vars;
  }

  // Whether every reader of iv's carriers is a carrier's definition (or
  // `except`).
  bool readOnlyByItself(const BasicInduction &iv, const Instr *except) const {
    std::vector<VarId> vars = carriers(iv);
    auto isCarrier = [&](VarId v) { return std::find(vars.begin(), vars.end(), v) != vars.end(); };
    for (VarId v : vars)
      for (const UseIndex::Use &u : users_.of(v))
        if (u.instr != except && !(u.instr->hasDest() && isCarrier(u.instr->dest)))
          return false;
    return true;
  }

  // Whether lo <= hi (lo < hi when strict) holds on entry to the loop: from
  // constants, or from the branches on the single-predecessor path into
  // the preheader.
  bool provenOnEntry(VarId lo, VarId hi, bool strict, BlockId pre, const CFG &cfg) const {
    std::optional<int64_t> a = constant(stripCopies(lo)), b = constant(stripCopies(hi));
    if (a && b)
      return strict ? *a < *b : *a <= *b;
    lo = stripCopies(lo);
    hi = stripCopies(hi);
    BlockId at = pre;
    for (int hops = 0; hops < 8 && cfg.preds(at).size() == 1; ++hops) {
      BlockId from = cfg.preds(at)[0];
      const Instr *term = f_.block(from).terminator();
      if (term && term->op == Opcode::Br && term->labels[0] != term->labels[1] &&
          defs_->def(term->args[0])) {
        const Instr &g = *defs_->def(term->args[0]);
        bool taken = term->labels[0] == at;
        if (g.args.size() == 2) {
          VarId x = stripCopies(g.args[0]), y = stripCopies(g.args[1]);
          // The fact, as "p < q" (strict) or "p <= q".
          std::optional<std::pair<std::pair<VarId, VarId>, bool>> fact;
          switch (g.op) {
          case Opcode::Lt: fact = taken ? std::make_pair(std::make_pair(x, y), true)
                                        : std::make_pair(std::make_pair(y, x), false); break;
          case Opcode::Le: fact = taken ? std::make_pair(std::make_pair(x, y), false)
                                        : std::make_pair(std::make_pair(y, x), true); break;
          case Opcode::Gt: fact = taken ? std::make_pair(std::make_pair(y, x), true)
                                        : std::make_pair(std::make_pair(x, y), false); break;
          case Opcode::Ge: fact = taken ? std::make_pair(std::make_pair(y, x), false)
                                        : std::make_pair(std::make_pair(x, y), true); break;
          default: break;
          }
          if (fact && fact->first.first == lo && fact->first.second == hi &&
              (fact->second || !strict))
            return true;
        }
      }
      at = from;
    }
    return false;
  }

  Instr make(Opcode op, VarId dest, std::initializer_list<VarId> args) {
    Instr in;
    in.op = op;
    in.type = op == Opcode::Eq ? Type::boolTy() : Type::intTy();
    in.dest = dest;
    in.args.assign(args.begin(), args.end());
    return in;
  }
  VarId entryConstant(int64_t value) {
    Instr c;
    c.op = Opcode::Const;
    c.type = Type::intTy();
    c.dest = f_.freshVar("lftr.c");
    c.value = Literal::ofInt(value);
    entryConstants_.push_back(c);
    return c.dest;
  }

  void rewrite(const Loop &loop, const CFG &cfg, const DominatorTree &dom, const LoopInfo &loops) {
    std::optional<SimpleLoop> shape = simpleLoop(f_, loop, cfg, loops);
    if (!shape || edits_.count(shape->preheader))
      return;
    BlockId header = shape->header, latch = shape->latch, pre = shape->preheader;
    loops_ = &loops;
    loopId_ = loops.loopOf(header);
    std::vector<BasicInduction> ivs = inductions(header, latch, dom);
    if (ivs.size() < 2)
      return;
    indexUsers();
    for (BlockId e : loop.blocks) {
      if (loops.loopOf(e) != loopId_ || !dom.dominates(e, latch))
        continue;
      const Instr *term = f_.block(e).terminator();
      if (!term || term->op != Opcode::Br)
        continue;
      bool in0 = loops.contains(loopId_, term->labels[0]);
      bool in1 = loops.contains(loopId_, term->labels[1]);
      if (in0 == in1)
        continue;
      VarId c = term->args[0];
      const Instr *cmp = defs_->def(c);
      if (!cmp || cmp->args.size() != 2 || users_.of(c).size() != 1)
        continue;
      if (tryTest(*term, *cmp, in0, e, pre, ivs, cfg, dom))
        return;
    }
  }

  bool tryTest(const Instr &term, const Instr &cmp, bool continueOnTrue, BlockId e, BlockId pre,
               const std::vector<BasicInduction> &ivs, const CFG &cfg, const DominatorTree &dom) {
    VarId lhs, rhs;
    Relation rel;
    VarId a0 = cmp.args[0], a1 = cmp.args[1];
    bool t = continueOnTrue;
    switch (cmp.op) {
    case Opcode::Lt: if (!t) return false; lhs = a0; rhs = a1; rel = Relation::Less; break;
    case Opcode::Gt: if (!t) return false; lhs = a1; rhs = a0; rel = Relation::Less; break;
    case Opcode::Ge: if (t) return false; lhs = a0; rhs = a1; rel = Relation::Less; break;
    case Opcode::Le: if (t) return false; lhs = a1; rhs = a0; rel = Relation::Less; break;
    case Opcode::Eq: if (t) return false; lhs = a0; rhs = a1; rel = Relation::NotEqual; break;
    default: return false;
    }
    // Which side is the counter, and read where.
    for (const BasicInduction &i : ivs) {
      for (bool counterLeft : {true, false}) {
        VarId x = stripCopies(counterLeft ? lhs : rhs), n = counterLeft ? rhs : lhs;
        bool onUpdate = x == i.next;
        if ((x != i.phi && !onUpdate) || !invariant(n) || !readOnlyByItself(i, &cmp))
          continue;
        if (rel == Relation::Less) {
          // x < n counting up by one, or n < x counting down by one.
          if (i.step != (counterLeft ? 1 : -1))
            continue;
          VarId lo = counterLeft ? i.init : n, hi = counterLeft ? n : i.init;
          if (!provenOnEntry(lo, hi, onUpdate, pre, cfg))
            continue;
        } else if ((i.step & 1) == 0) {
          continue;
        }
        // The other variable: odd step, read by something else.
        const BasicInduction *j = nullptr;
        int64_t ratio = 0;
        for (const BasicInduction &other : ivs) {
          if (other.phi == i.phi || (other.step & 1) == 0 || readOnlyByItself(other, nullptr))
            continue;
          int64_t r = wrapMul(other.step, inverseOdd(i.step));
          if (r > kMaxExactLiteral || r < -kMaxExactLiteral)
            continue;
          if (!j || std::abs(r) < std::abs(ratio)) {
            j = &other;
            ratio = r;
          }
        }
        if (!j)
          continue;
        emit(term, e, pre, i, onUpdate, n, *j, ratio, dom.dominates(defs_->block(j->next), e));
        return true;
      }
    }
    return false;
  }

  // J = j0 + ratio x (n - x0) before the loop; the test becomes `j = J`.
  // When j's update comes before the test, the test reads it instead (the
  // phi's old value would stay live across the update, and out of SSA that
  // costs a copy per iteration): j0 + t + ratio x (n - x0) =
  // j0 + ratio x (n - (x0 - s)), since t = ratio x s.
  void emit(const Instr &term, BlockId e, BlockId pre, const BasicInduction &i, bool onUpdate, VarId n,
            const BasicInduction &j, int64_t ratio, bool readNext) {
    Edit edit;
    edit.exitBlock = e;
    VarId x0 = i.init;
    if (onUpdate != readNext) {
      // x0 - s (or x0 + s: the update on the entry value)
      Instr shifted = *i.update;
      for (VarId &a : shifted.args)
        if (stripCopies(a) == i.phi)
          a = i.init;
      if (readNext) {
        // i0 - s: `add i0 c` becomes `sub i0 c`, `sub i0 c` becomes `add i0 c`.
        VarId c = stripCopies(shifted.args[0]) == i.init || shifted.args[0] == i.init
                      ? shifted.args[1]
                      : shifted.args[0];
        shifted.op = shifted.op == Opcode::Add ? Opcode::Sub : Opcode::Add;
        shifted.args = {i.init, c};
      }
      shifted.dest = x0 = f_.freshVar("lftr.x0");
      edit.beforeLoop.push_back(shifted);
    }
    VarId d = f_.freshVar("lftr.d");
    edit.beforeLoop.push_back(make(Opcode::Sub, d, {n, x0}));
    VarId bound = f_.freshVar("lftr.end");
    if (ratio == 1) {
      edit.beforeLoop.push_back(make(Opcode::Add, bound, {j.init, d}));
    } else if (ratio == -1) {
      edit.beforeLoop.push_back(make(Opcode::Sub, bound, {j.init, d}));
    } else {
      VarId scaled = f_.freshVar("lftr.d");
      edit.beforeLoop.push_back(make(Opcode::Mul, scaled, {d, entryConstant(ratio)}));
      edit.beforeLoop.push_back(make(Opcode::Add, bound, {j.init, scaled}));
    }
    edit.compare = make(Opcode::Eq, f_.freshVar("lftr.done"), {readNext ? j.next : j.phi, bound});
    bool continueOnTrue = loops_->contains(loopId_, term.labels[0]);
    edit.stay = continueOnTrue ? term.labels[0] : term.labels[1];
    edit.leave = continueOnTrue ? term.labels[1] : term.labels[0];
    edits_.emplace(pre, std::move(edit));
  }

  void apply() {
    auto insertBeforeEnd = [&](BlockId b, const std::vector<Instr> &added) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      size_t at = instrs.size() - (f_.block(b).terminator() ? 1 : 0);
      instrs.insert(instrs.begin() + at, added.begin(), added.end());
    };
    for (auto &[pre, edit] : edits_) {
      insertBeforeEnd(pre, edit.beforeLoop);
      insertBeforeEnd(edit.exitBlock, {edit.compare});
      Instr &term = f_.block(edit.exitBlock).instrs.back();
      term.args[0] = edit.compare.dest;
      term.labels = {edit.leave, edit.stay};
    }
    // Constants last: the entry block may be a preheader too, and they go
    // before what it computes from them.
    if (!entryConstants_.empty()) {
      std::vector<Instr> &instrs = f_.block(f_.entry()).instrs;
      size_t at = 0;
      while (at < instrs.size() && instrs[at].op == Opcode::Phi)
        ++at;
      instrs.insert(instrs.begin() + at, entryConstants_.begin(), entryConstants_.end());
    }
  }
};

} // namespace

bool replaceExitTests(Function &f, AnalysisCache &facts) {
  if (!ExitTestReplacement(f, facts).run())
    return false;
  facts.invalidateCFG(); // tests rewritten: their branches' labels too
  return true;
}

bool replaceExitTests(Function &f) {
  AnalysisCache facts(f);
  return replaceExitTests(f, facts);
}

} // namespace brisk
