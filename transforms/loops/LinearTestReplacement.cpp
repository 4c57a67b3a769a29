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

// A header phi whose latch value is `add φ c`, `add c φ` or `sub φ c`.
struct Induction {
  VarId phi = kNoVar;
  VarId init = kNoVar;   // the value from the preheader
  VarId next = kNoVar;   // the update (the latch value without its copies)
  const Instr *update = nullptr;
  int64_t step = 0;
};

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
    size_t n = f_.numVars();
    def_.assign(n, nullptr);
    defBlock_.assign(n, kNoBlock);
    undef_.assign(n, false);
    for (const Param &p : f_.params)
      defBlock_[p.var] = cfg.entry();
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest()) {
          def_[in.dest] = &in;
          defBlock_[in.dest] = b;
          undef_[in.dest] = in.op == Opcode::Undef;
        }
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
  std::vector<const Instr *> def_;
  std::vector<BlockId> defBlock_;
  std::vector<bool> undef_;
  // The readers of each variable. Built by indexUsers() when a loop first
  // has two induction variables, so a function whose loops have none never
  // pays for it; the instructions do not move before apply().
  UseIndex users_;
  void indexUsers() {
    if (!users_.built())
      users_.build(f_, def_.size());
  }
  boost::container::flat_map<BlockId, Edit> edits_;      // by preheader
  std::vector<Instr> entryConstants_;  // appended to the entry block

  const LoopInfo *loops_ = nullptr;
  LoopId loopId_ = kNoLoop;

  bool invariant(VarId v) const {
    return v < defBlock_.size() && defBlock_[v] != kNoBlock && !undef_[v] &&
           !loops_->contains(loopId_, defBlock_[v]);
  }
  std::optional<int64_t> constant(VarId v) const {
    if (v >= def_.size() || !def_[v] || def_[v]->op != Opcode::Const ||
        def_[v]->type != Type::intTy())
      return std::nullopt;
    return def_[v]->value.asInt();
  }
  VarId stripCopies(VarId v) const {
    for (int hops = 0; hops < 16 && v < def_.size() && def_[v] && def_[v]->op == Opcode::Id &&
                       def_[v]->args.size() == 1;
         ++hops)
      v = def_[v]->args[0];
    return v;
  }

  std::vector<Induction> inductions(BlockId header, BlockId latch, const DominatorTree &dom) const {
    std::vector<Induction> out;
    for (const Instr &in : f_.block(header).instrs) {
      if (in.op != Opcode::Phi)
        break;
      if (in.type != Type::intTy() || in.args.size() != 2)
        continue;
      size_t fromLatch = in.labels[0] == latch ? 0 : 1;
      Induction iv;
      iv.phi = in.dest;
      iv.init = in.args[1 - fromLatch];
      iv.next = stripCopies(in.args[fromLatch]);
      const Instr *u = iv.next < def_.size() ? def_[iv.next] : nullptr;
      if (!u || u->op == Opcode::Phi || !dom.dominates(defBlock_[iv.next], latch) ||
          u->args.size() != 2 || !invariant(iv.init))
        continue;
      VarId x = stripCopies(u->args[0]), y = stripCopies(u->args[1]);
      std::optional<int64_t> c;
      if (u->op == Opcode::Add && x == in.dest && invariant(u->args[1]))
        c = constant(u->args[1]);
      else if (u->op == Opcode::Add && y == in.dest && invariant(u->args[0]))
        c = constant(u->args[0]);
      else if (u->op == Opcode::Sub && x == in.dest && invariant(u->args[1]))
        if (std::optional<int64_t> k = constant(u->args[1]))
          c = wrapMul(*k, -1);
      if (!c || *c == 0)
        continue;
      iv.update = u;
      iv.step = *c;
      out.push_back(iv);
    }
    return out;
  }

  // The variables that carry iv's value around the loop: its phi, its
  // update and the copies of either.
  std::vector<VarId> carriers(const Induction &iv) const {
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
  bool readOnlyByItself(const Induction &iv, const Instr *except) const {
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
          term->args[0] < def_.size() && def_[term->args[0]]) {
        const Instr &g = *def_[term->args[0]];
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
    if (loop.latches.size() != 1)
      return;
    BlockId header = loop.header, latch = loop.latches[0];
    BlockId pre = preheaderOf(f_, cfg, loops, header);
    if (pre == kNoBlock || cfg.preds(header).size() != 2 || edits_.count(pre))
      return;
    loops_ = &loops;
    loopId_ = loops.loopOf(header);
    std::vector<Induction> ivs = inductions(header, latch, dom);
    if (ivs.size() < 2)
      return;
    indexUsers();
    for (BlockId e : loop.blocks) {
      if (loops.loopOf(e) != loopId_ || !dom.dominates(e, latch))
        continue;
      const Instr *term = f_.block(e).terminator();
      if (!term || term->op != Opcode::Br || term->args[0] >= def_.size())
        continue;
      bool in0 = loops.contains(loopId_, term->labels[0]);
      bool in1 = loops.contains(loopId_, term->labels[1]);
      if (in0 == in1)
        continue;
      VarId c = term->args[0];
      const Instr *cmp = def_[c];
      if (!cmp || cmp->args.size() != 2 || users_.of(c).size() != 1)
        continue;
      if (tryTest(*term, *cmp, in0, e, pre, ivs, cfg, dom))
        return;
    }
  }

  bool tryTest(const Instr &term, const Instr &cmp, bool continueOnTrue, BlockId e, BlockId pre,
               const std::vector<Induction> &ivs, const CFG &cfg, const DominatorTree &dom) {
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
    for (const Induction &i : ivs) {
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
        const Induction *j = nullptr;
        int64_t ratio = 0;
        for (const Induction &other : ivs) {
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
        emit(term, e, pre, i, onUpdate, n, *j, ratio, dom.dominates(defBlock_[j->next], e));
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
  void emit(const Instr &term, BlockId e, BlockId pre, const Induction &i, bool onUpdate, VarId n,
            const Induction &j, int64_t ratio, bool readNext) {
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
