#include "transforms/loops/LoopUnroll.h"

#include "analysis/DefiniteAssignment.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "transforms/superblocks/DeadCode.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

// Rules (see the header for the shapes and the proof of the chunk test):
//  1. Only loops whose K iterations are proven to pass their exit tests before
//     the chunk starts are unrolled: the chunk test is exact, with wrap-around
//     of m excluded by `ok` (or at compile time for a constant bound).
//  2. Every instruction of the body is copied in order, branches inside the
//     body included; only the comparison (read by nothing but the latch's
//     branch) and, when i has no other reader but offsets `ptradd b i`, the
//     induction update are left out of the copies (the offsets then advance
//     from copy to copy: see IndexUse). No side effect is moved.
//  3. Constants emitted stay within +-2^53 (the reference interpreter reads
//     JSON numbers as doubles); otherwise the loop is left alone.

namespace brisk {
namespace {

constexpr int64_t kMaxExactLiteral = int64_t(1) << 53;
constexpr int64_t kMaxStep = int64_t(1) << 20;

// Where an instruction of the loop sits.
struct Position {
  BlockId block = kNoBlock;
  size_t index = 0;
};

// "Continue while i REL n" for an up-counting i (step > 0); for a
// down-counting i (step < 0) the mirror: i > n, i >= n, i != n.
enum class Relation { Less, LessEq, NotEqual };

// `d = ptradd b i` in the body, with b not written in the body, d written
// only here, in a block that runs on every iteration. In copy j of a chunk,
// i there is i0 + (j + [afterUpdate]) x v, i0 its value at the chunk's start:
// copy 0 computes d from i0 (plus one step when the update comes first),
// copy j > 0 advances copy j-1's d by one step. So the chunk needs no copy of
// the update: i advances once, by K x v, at its end.
struct IndexUse {
  Position at;
  bool afterUpdate; // the update runs before it in an iteration
};

struct CountedLoop {
  std::vector<BlockId> body; // header first, latch last, in a topological order
  BlockId header, latch, exit;
  bool continueOnTrue;       // br c H X (true) or br c X H (false)
  Position cmp;              // in the latch
  Position update;           // `i = add i s` / `i = sub i s`
  VarId iv, bound, cond;
  int64_t step;              // nonzero, |step| <= kMaxStep
  Relation relation;
  bool updateFirst;          // the update runs before the comparison
  bool ivOnlyCounts;         // i read in the loop only by its update and the comparison
  // i read in the loop only by its update, the comparison and these offsets
  // (see IndexUse); empty otherwise.
  std::vector<IndexUse> indexUses;
  size_t size;               // instructions of the body

  // The offsets read after the update (copy 0 computes each with one more
  // ptradd).
  size_t offsetsAfterUpdate() const {
    size_t n = 0;
    for (const IndexUse &use : indexUses)
      n += use.afterUpdate ? 1 : 0;
    return n;
  }

  bool up() const { return step > 0; }
  bool contains(BlockId b) const { return std::find(body.begin(), body.end(), b) != body.end(); }
};

class LoopUnroller {
public:
  LoopUnroller(Function &f, const FunctionWeights *w, const LoopUnrollOptions &o,
               std::vector<UnrolledLoop> *report)
      : f_(f), weights_(w), options_(o), report_(report) {}

  bool run() {
    countDefinitions();
    std::vector<CountedLoop> loops;
    {
      CFG cfg(f_);
      DominatorTree dom(cfg);
      std::vector<bool> taken(f_.blocks.size(), false);
      for (BlockId b : f_.layout)
        if (std::optional<CountedLoop> l = match(b, cfg, dom)) {
          if (std::any_of(l->body.begin(), l->body.end(), [&](BlockId x) { return taken[x]; }))
            continue;
          for (BlockId x : l->body)
            taken[x] = true;
          loops.push_back(std::move(*l));
        }
    }
    bool changed = false;
    for (const CountedLoop &l : loops) {
      UnrolledLoop r;
      if (weights_) {
        r.header = "." + f_.labelOf(l.header);
        r.headCount = weights_->block(l.header);
      }
      size_t sizeBefore = f_.instrCount();
      bool speculable = options_.speculative && canSpeculate(l);
      if (speculable) {
        unsigned k = chooseSpeculativeFactor(l);
        if (weights_)
          describe(l, k, r);
        if (k >= 2 && unroll(l, k, /*speculative=*/true)) {
          changed = true;
          r.factor = k;
          r.speculative = true;
          r.growth = (long long)f_.instrCount() - (long long)sizeBefore;
          r.reason = "speculative chunks of " + std::to_string(k) +
                     " iterations under one range guard";
          if (report_ && weights_)
            report_->push_back(std::move(r));
          continue;
        }
      }
      unsigned k = chooseFactor(l);
      if (k >= 2 && unroll(l, k, /*speculative=*/false)) {
        changed = true;
        r.factor = k;
        r.growth = (long long)f_.instrCount() - (long long)sizeBefore;
        r.reason = !options_.speculative ? "speculation disabled: branch-form chunks"
                   : !speculable          ? "the body calls (no call under speculation): branch-form chunks"
                                          : "no speculative chunk beats the original loop within "
                                            "the growth budget: branch-form chunks";
      } else {
        r.reason = speculable ? "no speculative chunk beats the original loop within the growth "
                                "budget, nor a branch-form chunk"
                              : "no branch-form chunk pays within the growth budget";
      }
      if (report_ && weights_)
        report_->push_back(std::move(r));
    }
    if (!entryConstants_.empty()) {
      std::vector<Instr> &instrs = f_.block(f_.entry()).instrs;
      size_t at = instrs.size() - (f_.block(f_.entry()).terminator() ? 1 : 0);
      instrs.insert(instrs.begin() + at, entryConstants_.begin(), entryConstants_.end());
    }
    if (changed)
      eliminateDeadCode(f_);
    return changed;
  }

private:
  void countDefinitions() {
    defs_.assign(f_.numVars(), 0);
    constValue_.assign(f_.numVars(), std::nullopt);
    for (const Param &p : f_.params)
      ++defs_[p.var];
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest()) {
          ++defs_[in.dest];
          if (in.op == Opcode::Const && in.type == Type::intTy())
            constValue_[in.dest] = in.value.asInt();
        }
  }

  // The value of a variable the function defines once, by an int const.
  std::optional<int64_t> knownConstant(VarId v) const {
    if (v < defs_.size() && defs_[v] == 1)
      return constValue_[v];
    return std::nullopt;
  }

  // The body of the natural loop of the back edge latch -> header, ordered
  // header first, latch last, every other block after its in-body
  // predecessors (layout order among the ready ones). Empty when the body has
  // a cycle other than through this back edge, or exits anywhere but from
  // the latch to `exit`.
  std::vector<BlockId> bodyOf(BlockId header, BlockId latch, BlockId exit, const CFG &cfg) const {
    std::vector<bool> in(f_.blocks.size(), false);
    std::vector<BlockId> blocks{header};
    in[header] = true;
    std::vector<BlockId> work;
    if (!in[latch]) {
      in[latch] = true;
      blocks.push_back(latch);
      work.push_back(latch);
    }
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId p : cfg.preds(b))
        if (!in[p]) {
          if (blocks.size() >= options_.maxBodySize)
            return {};
          in[p] = true;
          blocks.push_back(p);
          work.push_back(p);
        }
    }
    // Exits: only latch -> exit.
    for (BlockId b : blocks)
      for (BlockId s : cfg.succs(b))
        if (!in[s] && !(b == latch && s == exit))
          return {};
    // A topological order of the body without the back edge.
    std::vector<unsigned> pending(f_.blocks.size(), 0);
    for (BlockId b : blocks)
      for (BlockId s : cfg.succs(b))
        if (in[s] && !(b == latch && s == header))
          ++pending[s];
    if (pending[header] != 0)
      return {};
    std::vector<BlockId> order;
    std::vector<bool> placed(f_.blocks.size(), false);
    while (order.size() < blocks.size()) {
      BlockId next = kNoBlock;
      for (BlockId b : f_.layout)
        if (in[b] && !placed[b] && pending[b] == 0) {
          next = b;
          break;
        }
      if (next == kNoBlock)
        return {}; // a cycle inside the body
      placed[next] = true;
      order.push_back(next);
      if (next != latch)
        for (BlockId s : cfg.succs(next))
          if (in[s])
            --pending[s];
    }
    if (order.front() != header || order.back() != latch)
      return {};
    return order;
  }

  std::optional<CountedLoop> match(BlockId latch, const CFG &cfg, const DominatorTree &dom) const {
    const Block &lblk = f_.block(latch);
    const Instr *term = lblk.terminator();
    if (!cfg.reachable(latch) || !term || term->op != Opcode::Br ||
        term->labels[0] == term->labels[1])
      return std::nullopt;
    CountedLoop l{};
    l.latch = latch;
    l.cond = term->args[0];
    BlockId header;
    if (dom.dominates(term->labels[0], latch)) {
      l.continueOnTrue = true;
      header = term->labels[0];
      l.exit = term->labels[1];
    } else if (dom.dominates(term->labels[1], latch)) {
      l.continueOnTrue = false;
      header = term->labels[1];
      l.exit = term->labels[0];
    } else {
      return std::nullopt;
    }
    l.header = header;
    if (header == f_.entry() || !f_.block(header).hasLabel())
      return std::nullopt;
    l.body = bodyOf(header, latch, l.exit, cfg);
    if (l.body.empty())
      return std::nullopt;

    // The comparison: c defined once in the body, in the latch.
    std::optional<Position> cmp;
    l.size = 0;
    for (BlockId b : l.body) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      l.size += instrs.size();
      for (size_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        switch (in.op) {
        case Opcode::Speculate: case Opcode::Guard: case Opcode::Commit: case Opcode::Ret:
        case Opcode::Phi: case Opcode::Set: case Opcode::Get:
          return std::nullopt;
        default:
          break;
        }
        if (in.dest == l.cond) {
          if (cmp || b != latch)
            return std::nullopt;
          cmp = Position{b, i};
        }
      }
    }
    if (!cmp || l.size > options_.maxBodySize)
      return std::nullopt;
    l.cmp = *cmp;
    const Instr &c = lblk.instrs[cmp->index];
    if (c.args.size() != 2 || c.args[0] == c.args[1])
      return std::nullopt;

    // Normalize to "continue while x REL y".
    VarId x, y;
    Relation rel;
    auto set = [&](VarId a, VarId b, Relation r) { x = a; y = b; rel = r; };
    VarId a0 = c.args[0], a1 = c.args[1];
    bool t = l.continueOnTrue;
    switch (c.op) {
    case Opcode::Lt: t ? set(a0, a1, Relation::Less) : set(a1, a0, Relation::LessEq); break;
    case Opcode::Le: t ? set(a0, a1, Relation::LessEq) : set(a1, a0, Relation::Less); break;
    case Opcode::Gt: t ? set(a1, a0, Relation::Less) : set(a0, a1, Relation::LessEq); break;
    case Opcode::Ge: t ? set(a1, a0, Relation::LessEq) : set(a0, a1, Relation::Less); break;
    case Opcode::Eq: if (t) return std::nullopt; set(a0, a1, Relation::NotEqual); break;
    default: return std::nullopt;
    }

    // The induction variable: the one of x, y with an update in the body.
    std::optional<Position> ux = updateOf(l, x), uy = updateOf(l, y);
    if (ux.has_value() == uy.has_value())
      return std::nullopt;
    l.iv = ux ? x : y;
    l.bound = ux ? y : x;
    l.update = ux ? *ux : *uy;
    l.relation = rel;
    const Instr &u = f_.block(l.update.block).instrs[l.update.index];
    VarId other = u.args[0] == l.iv ? u.args[1] : u.args[0];
    std::optional<int64_t> s = knownConstant(other);
    if (!s || *s == 0 || *s > kMaxStep || *s < -kMaxStep)
      return std::nullopt;
    l.step = u.op == Opcode::Sub ? -*s : *s;
    // "x < y" with y the counter holds while the counter is above x: it
    // counts down. Only != runs in either direction.
    if (rel != Relation::NotEqual && (l.iv == x) != l.up())
      return std::nullopt;
    if (l.iv == l.cond || l.bound == l.cond)
      return std::nullopt;
    // The update runs once per iteration, before or after the comparison.
    if (!dom.dominates(l.update.block, latch))
      return std::nullopt;
    l.updateFirst = l.update.block != latch || l.update.index < l.cmp.index;

    // n not written in the body; c read by nothing but the branch; does
    // anything but the update and the comparison read i?
    l.ivOnlyCounts = true;
    bool onlyOffsets = true;
    for (BlockId b : l.body) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        if (in.dest == l.bound)
          return std::nullopt;
        bool isTerm = b == latch && i + 1 == instrs.size();
        bool isCmp = b == latch && i == l.cmp.index;
        bool isUpdate = b == l.update.block && i == l.update.index;
        bool readsIv = false;
        for (VarId v : in.args) {
          if (v == l.cond && !isTerm)
            return std::nullopt;
          if (v == l.iv && !isCmp && !isUpdate)
            readsIv = true;
        }
        if (!readsIv)
          continue;
        l.ivOnlyCounts = false;
        if (!options_.pointerOffsets)
          onlyOffsets = false;
        else if (std::optional<IndexUse> use = indexUseAt(l, Position{b, i}, dom))
          l.indexUses.push_back(*use);
        else
          onlyOffsets = false;
      }
    }
    if (!onlyOffsets)
      l.indexUses.clear();
    return l;
  }

  // The IndexUse at `at` when the instruction there is one (see IndexUse).
  std::optional<IndexUse> indexUseAt(const CountedLoop &l, Position at,
                                     const DominatorTree &dom) const {
    const Instr &in = f_.block(at.block).instrs[at.index];
    if (in.op != Opcode::PtrAdd || in.args.size() != 2 || in.args[1] != l.iv ||
        in.args[0] == l.iv || in.dest == l.iv || !dom.dominates(at.block, l.latch))
      return std::nullopt;
    for (BlockId b : l.body)
      for (const Instr &other : f_.block(b).instrs)
        if (other.dest == in.args[0] || (other.dest == in.dest && &other != &in))
          return std::nullopt;
    // Both blocks dominate the latch, so one dominates the other.
    bool after = at.block == l.update.block ? l.update.index < at.index
                                            : dom.dominates(l.update.block, at.block);
    return IndexUse{at, after};
  }

  const IndexUse *indexUseAt(const CountedLoop &l, BlockId b, size_t i) const {
    for (const IndexUse &use : l.indexUses)
      if (use.at.block == b && use.at.index == i)
        return &use;
    return nullptr;
  }

  // The one definition of `v` in the body when it is `v = add v s`, `add s v`
  // or `sub v s`; nullopt otherwise (none, several, or another form).
  std::optional<Position> updateOf(const CountedLoop &l, VarId v) const {
    std::optional<Position> found;
    for (BlockId b : l.body) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (size_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        if (in.dest != v)
          continue;
        if (found)
          return std::nullopt;
        bool add = in.op == Opcode::Add && (in.args[0] == v) != (in.args[1] == v);
        bool sub = in.op == Opcode::Sub && in.args[0] == v && in.args[1] != v;
        if (!add && !sub)
          return std::nullopt;
        found = Position{b, i};
      }
    }
    return found;
  }

  // Instructions unroll(l, k) adds: the test E, the chunk U, the exit R.
  size_t addedSize(const CountedLoop &l, unsigned k) const {
    size_t copied = l.size - 2 - (l.ivOnlyCounts ? 1 : 0);
    size_t test = (l.ivOnlyCounts ? 1 : 0) + (knownConstant(l.bound) ? 2 : 5) + 1;
    return test + k * copied + (l.ivOnlyCounts ? 1 : 0) + 2 + (l.updateFirst ? 2 : 0);
  }

  // A body of several blocks whose every inner branch goes one way at least
  // 1 - speculableShare of the time: superblock formation turns those
  // branches into guards and unrolls the loop trace itself, with counted
  // chunks, better than a chunk here that still branches (and uses up the
  // growth budget it needs).
  bool leftToSpeculation(const CountedLoop &l) const {
    bool anyBranch = false;
    for (BlockId b : l.body) {
      const Instr *term = f_.block(b).terminator();
      if (b == l.latch || !term || term->op != Opcode::Br || term->labels[0] == term->labels[1])
        continue;
      anyBranch = true;
      double n = weights_->block(b);
      double rare = std::min(weights_->edge(b, term->labels[0]), weights_->edge(b, term->labels[1]));
      if (n > 0 && rare > options_.speculableShare * n)
        return false;
    }
    return anyBranch;
  }

  // A chunk may run under speculation unless the body calls (call is an
  // error while speculating).
  bool canSpeculate(const CountedLoop &l) const {
    for (BlockId b : l.body)
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == Opcode::Call)
          return false;
    return true;
  }

  // Instructions the speculative form adds: E (the bound), U's speculate,
  // range test and guard, K copies, the stride add, commit and jmp.
  size_t addedSpeculativeSize(const CountedLoop &l, unsigned k) const {
    size_t copied = l.size - 2 - (l.ivOnlyCounts ? 1 : 0);
    size_t bound = (l.ivOnlyCounts ? 1 : 0) + (knownConstant(l.bound) ? 3 : 6);
    return bound + 3 + k * copied + (l.ivOnlyCounts ? 1 : 0) + 2;
  }

  // The expected dynamic cost, per entry of the loop, of the speculative
  // chunk of K against the original loop (L trips per entry on average, a
  // trip costing what the profile says the body ran). Every entry pays its
  // bound, floor(L'/K) chunks of K copies plus 5 (speculate, test, guard,
  // commit, jmp), one failed attempt (speculate, test, guard: nothing else
  // ran, the rollback is free) and the remaining trips in the original loop.
  struct SpeculativeCost {
    double chunked = 0, original = 0;
  };
  SpeculativeCost speculativeCost(const CountedLoop &l, unsigned k) const {
    double count = weights_->block(l.header);
    double entries = std::max(1.0, count - weights_->edge(l.latch, l.header));
    double L = count / entries;
    double trip = 0;
    for (BlockId b : l.body)
      trip += weights_->block(b) * double(f_.block(b).instrs.size());
    trip /= std::max(1.0, count);
    double copied = trip - 2 - (l.ivOnlyCounts ? 1 : 0);
    double chunks = std::floor(std::max(0.0, L - (l.updateFirst ? 1 : 0)) / k);
    double rest = L - chunks * k;
    double bound = (l.ivOnlyCounts ? 1 : 0) + (knownConstant(l.bound) ? 3 : 6);
    SpeculativeCost c;
    c.chunked = bound + chunks * (k * copied + 5 + (l.ivOnlyCounts ? 1 : 0)) + 3 + rest * trip;
    c.original = L * trip;
    return c;
  }

  // The K of least expected cost that beats the original loop and fits the
  // size limit; 1 when none does (the branch form is tried instead).
  unsigned chooseSpeculativeFactor(const CountedLoop &l) const {
    if (!weights_)
      return std::min(options_.maxFactor, options_.maxSpeculativeFactor);
    unsigned best = 1;
    double bestCost = 0;
    for (unsigned k = 2; k <= options_.maxSpeculativeFactor; k *= 2) {
      if (f_.instrCount() + addedSpeculativeSize(l, k) > options_.speculativeSizeLimit)
        break;
      SpeculativeCost c = speculativeCost(l, k);
      if (c.chunked < c.original - 1 && (best == 1 || c.chunked < bestCost - 1e-9)) {
        best = k;
        bestCost = c.chunked;
      }
    }
    return best;
  }

  // Fills the expected costs of `r` for a speculative factor k (>= 2) and of
  // the branch form of the largest factor the profile pays for.
  void describe(const CountedLoop &l, unsigned k, UnrolledLoop &r) const {
    SpeculativeCost c = speculativeCost(l, std::max(2u, k));
    double count = weights_->block(l.header);
    double entries = std::max(1.0, count - weights_->edge(l.latch, l.header));
    double L = count / entries;
    r.tripsPerEntry = L;
    r.originalCost = c.original;
    r.speculativeCost = k >= 2 ? c.chunked : c.original;
    double chunks = std::floor(std::max(0.0, L - (l.updateFirst ? 1 : 0)) / std::max(2u, k));
    r.overhead = k >= 2 ? chunks * 3 + 3 : 0;
    r.redo = 0; // the range guard fails before the chunk does anything
    // The branch form with the same K: entry test, one compare and branch per
    // chunk, the remaining trips in the original loop.
    unsigned bk = std::max(2u, std::min(k, options_.maxFactor));
    double trip = c.original / std::max(1.0, L);
    double copied = trip - 2 - (l.ivOnlyCounts ? 1 : 0);
    double bchunks = std::floor(L / bk);
    r.branchCost = (knownConstant(l.bound) ? 3 : 6) + bchunks * (bk * copied + 2) +
                   (L - bchunks * bk) * trip;
  }

  unsigned chooseFactor(const CountedLoop &l) const {
    if (!weights_)
      return options_.maxFactor;
    double count = weights_->block(l.header);
    double entries = count - weights_->edge(l.latch, l.header);
    if (entries <= 0)
      return 1;
    double trips = count / entries;
    if (leftToSpeculation(l))
      return 1;
    for (unsigned k = options_.maxFactor; k >= 2; k /= 2) {
      size_t added = addedSize(l, k);
      if (trips >= options_.minTripsPerFactor * k && f_.instrCount() + added <= options_.sizeLimit)
        return k;
    }
    return 1;
  }

  Instr make(Opcode op, Type type, VarId dest, std::initializer_list<VarId> args) {
    Instr in;
    in.op = op;
    in.type = type;
    in.dest = dest;
    in.args.assign(args.begin(), args.end());
    return in;
  }
  Instr makeConst(VarId dest, int64_t v) {
    Instr in = make(Opcode::Const, Type::intTy(), dest, {});
    in.value = Literal::ofInt(v);
    return in;
  }
  Instr makeBr(VarId c, BlockId t, BlockId e) {
    Instr in = make(Opcode::Br, Type::none(), kNoVar, {c});
    in.labels = {t, e};
    return in;
  }

  bool unroll(const CountedLoop &l, unsigned k, bool speculative) {
    // m = n - (K-1)v: "i REL' m" proves the next K compared values pass
    // (speculative, update first: m = n - Kv, the K values after the updates).
    const int64_t span = int64_t(speculative && l.updateFirst ? k : k - 1) *
                         (l.up() ? l.step : -l.step);
    std::optional<int64_t> n = knownConstant(l.bound);
    if (n && (l.up() ? (*n < -kMaxExactLiteral + span || *n > kMaxExactLiteral)
                     : (*n > kMaxExactLiteral - span || *n < -kMaxExactLiteral)))
      return false;

    const std::string name = f_.labelOf(l.header); // a copy: addFreshBlock may move the arena
    BlockId e = f_.addFreshBlock(name + ".unroll.test");
    BlockId u = f_.addFreshBlock(name + ".unroll");
    BlockId r = l.updateFirst && !speculative ? f_.addFreshBlock(name + ".unroll.exit") : kNoBlock;
    std::vector<Block> body; // copies: addFreshBlock may move the arena
    for (BlockId b : l.body)
      body.push_back(f_.block(b));
    const Block &latch = body.back();
    const Instr &cmp = latch.instrs[l.cmp.index];
    Opcode chunkTest = l.up() ? (l.relation == Relation::LessEq ? Opcode::Le : Opcode::Lt)
                              : (l.relation == Relation::LessEq ? Opcode::Ge : Opcode::Gt);

    VarId m = f_.freshVar("unroll.m");
    VarId t = f_.freshVar("unroll.t");
    std::vector<Instr> test;
    VarId stride = kNoVar, stepVar = kNoVar;
    // Offsets advance per copy when that saves (K - 1 updates dropped, one
    // stride add and a ptradd per offset read after the update added), so
    // that the factor chosen above never buys a larger chunk.
    const bool offsets = !l.indexUses.empty() && k >= 3 + l.offsetsAfterUpdate();
    const bool dropUpdates = l.ivOnlyCounts || offsets;
    if (l.ivOnlyCounts) {
      stride = f_.freshVar("unroll.stride");
      test.push_back(makeConst(stride, int64_t(k) * l.step));
    } else if (offsets) {
      // Once per call where the entry block starts the function only.
      stride = f_.freshVar("unroll.stride");
      stepVar = f_.freshVar("unroll.step");
      std::vector<Instr> &home = entryIsPlain() ? entryConstants_ : test;
      home.push_back(makeConst(stride, int64_t(k) * l.step));
      home.push_back(makeConst(stepVar, l.step));
    }
    // E: the bound, once per entry of the loop (and that it did not wrap),
    // and whether a first chunk fits; a speculative chunk repeats the range
    // test as its guard.
    if (n) {
      test.push_back(makeConst(m, l.up() ? *n - span : *n + span));
      test.push_back(make(chunkTest, Type::boolTy(), t, {l.iv, m}));
    } else {
      VarId spanVar = f_.freshVar("unroll.span");
      VarId ok = f_.freshVar("unroll.ok");
      VarId pass = f_.freshVar("unroll.t");
      test.push_back(makeConst(spanVar, span));
      test.push_back(make(l.up() ? Opcode::Sub : Opcode::Add, Type::intTy(), m, {l.bound, spanVar}));
      test.push_back(make(l.up() ? Opcode::Lt : Opcode::Gt, Type::boolTy(), ok, {m, l.bound}));
      test.push_back(make(chunkTest, Type::boolTy(), pass, {l.iv, m}));
      test.push_back(make(Opcode::And, Type::boolTy(), t, {pass, ok}));
    }
    test.push_back(makeBr(t, u, l.header));

    // The chunk: K copies of the body. Copy j's latch flows straight into
    // copy j+1's header (one block); the other blocks get fresh copies with
    // their branches remapped within the copy.
    struct Piece {
      BlockId id;
      std::vector<Instr> instrs;
      BlockId fallsTo = kNoBlock; // the copy it falls through to, if it does
    };
    std::vector<Piece> chunk{Piece{u, {}, kNoBlock}};
    if (speculative) {
      // U: the range guard first, so that every effect of the chunk runs
      // after the last guard of its speculation.
      chunk[0].instrs.push_back(make(Opcode::Speculate, Type::none(), kNoVar, {}));
      chunk[0].instrs.push_back(make(chunkTest, Type::boolTy(), t, {l.iv, m}));
      Instr guard = make(Opcode::Guard, Type::none(), kNoVar, {t});
      guard.labels = {l.header};
      chunk[0].instrs.push_back(std::move(guard));
    }
    size_t nb = body.size();
    for (unsigned copy = 0; copy < k; ++copy) {
      std::vector<BlockId> ids(nb, kNoBlock);
      ids[0] = chunk.back().id;
      for (size_t j = 1; j < nb; ++j) {
        const std::string &own = body[j].hasLabel() ? body[j].label : name;
        ids[j] = f_.addFreshBlock(own + ".unroll");
      }
      auto remap = [&](BlockId b) {
        for (size_t j = 0; j < nb; ++j)
          if (l.body[j] == b)
            return ids[j];
        return b;
      };
      for (size_t j = 0; j < nb; ++j) {
        if (j > 0)
          chunk.push_back(Piece{ids[j], {}, kNoBlock});
        Piece &piece = chunk.back();
        const std::vector<Instr> &instrs = body[j].instrs;
        bool isLatch = j + 1 == nb;
        for (size_t i = 0; i < instrs.size(); ++i) {
          if (isLatch && (i == l.cmp.index || i + 1 == instrs.size()))
            continue;
          if (dropUpdates && l.body[j] == l.update.block && i == l.update.index)
            continue;
          Instr in = instrs[i];
          for (BlockId &target : in.labels)
            target = remap(target);
          const IndexUse *use = offsets ? indexUseAt(l, l.body[j], i) : nullptr;
          if (use && copy > 0) {
            in.args[0] = in.dest; // copy j-1's d, one step on
            in.args[1] = stepVar;
          } else if (use && use->afterUpdate) {
            piece.instrs.push_back(in); // d from i0, then the step i took first
            in.args[0] = in.dest;
            in.args[1] = stepVar;
          }
          piece.instrs.push_back(std::move(in));
        }
        if (!isLatch && !body[j].terminator())
          piece.fallsTo = remap(fallthroughOf(f_, l.body[j]));
      }
    }
    Piece &last = chunk.back();
    if (dropUpdates)
      last.instrs.push_back(make(Opcode::Add, Type::intTy(), l.iv, {l.iv, stride}));
    if (speculative) {
      last.instrs.push_back(make(Opcode::Commit, Type::none(), kNoVar, {}));
      last.instrs.push_back(makeJump(u));
    } else {
      last.instrs.push_back(make(chunkTest, Type::boolTy(), t, {l.iv, m}));
      // Update first: the K-th comparison is still to be made, by R (or the
      // next chunk's test). Comparison first: all K were, L continues.
      last.instrs.push_back(makeBr(t, u, l.updateFirst ? r : l.header));
    }
    // Fall-throughs made explicit where the copy's layout breaks them, and
    // jumps to the block laid out next dropped (jmp costs an instruction).
    for (size_t p = 0; p + 1 < chunk.size(); ++p) {
      std::vector<Instr> &instrs = chunk[p].instrs;
      BlockId next = chunk[p + 1].id;
      if (chunk[p].fallsTo != kNoBlock && chunk[p].fallsTo != next)
        instrs.push_back(makeJump(chunk[p].fallsTo));
      else if (!instrs.empty() && instrs.back().op == Opcode::Jmp && instrs.back().labels[0] == next)
        instrs.pop_back();
    }

    // Every edge into the header from outside the body now enters the test.
    for (BlockId b : f_.layout) {
      if (l.contains(b))
        continue;
      for (Instr &in : f_.block(b).instrs)
        for (BlockId &target : in.labels)
          if (target == l.header)
            target = e;
    }
    f_.block(e).instrs = std::move(test);
    std::vector<BlockId> added{e};
    for (Piece &piece : chunk) {
      f_.block(piece.id).instrs = std::move(piece.instrs);
      added.push_back(piece.id);
    }
    if (r != kNoBlock) {
      f_.block(r).instrs = {cmp, *latch.terminator()};
      added.push_back(r);
    }
    auto at = std::find(f_.layout.begin(), f_.layout.end(), l.header);
    f_.layout.insert(at, added.begin(), added.end());
    return true;
  }

  Function &f_;
  const FunctionWeights *weights_;
  const LoopUnrollOptions &options_;
  std::vector<UnrolledLoop> *report_;
  std::vector<unsigned> defs_;
  std::vector<std::optional<int64_t>> constValue_;
  std::vector<Instr> entryConstants_; // added to the entry block at the end

  // Whether no branch leads to the entry block (it runs once per call).
  bool entryIsPlain() const {
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        for (BlockId target : in.labels)
          if (target == f_.entry())
            return false;
    return true;
  }
};

} // namespace

bool unrollCountedLoops(Function &f, const FunctionWeights *weights,
                        const LoopUnrollOptions &options, std::vector<UnrolledLoop> *report) {
  // The chunk test reads i before the body does: a function that may read
  // an unassigned variable (which fails under brili) keeps its loops.
  if (hasPossiblyUndefinedRead(f))
    return false;
  return LoopUnroller(f, weights, options, report).run();
}

} // namespace brisk
