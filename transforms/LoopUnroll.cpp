#include "transforms/LoopUnroll.h"

#include "transforms/DeadCode.h"

#include <cstdint>
#include <optional>
#include <vector>

// Rules (see the header for the shape):
//  1. Only loops whose K iterations are proven to run before they start are
//     unrolled: the chunk test is exact, with wrap-around excluded by `ok`.
//  2. Every instruction of the body is copied in order; only the comparison
//     (read by nothing but the branch) and, when i has no other reader, the
//     induction update are left out of the copies. No side effect is moved.
//  3. Constants emitted stay within +-2^53 (the reference interpreter reads
//     JSON numbers as doubles); otherwise the loop is left alone.

namespace brisk {
namespace {

constexpr int64_t kMaxExactLiteral = int64_t(1) << 53;

struct CountedLoop {
  BlockId block;
  BlockId exit;
  bool continueOnTrue;   // br c L X (true) or br c X L (false)
  size_t cmpIndex;       // position of the comparison in L
  size_t updateIndex;    // position of `i = add i s`
  VarId iv, bound, cond;
  int64_t step;
  bool inclusive;        // continue while i <= n (else i < n)
  bool ivOnlyCounts;     // i read in L only by its update and the comparison
};

class LoopUnroller {
public:
  LoopUnroller(Function &f, const FunctionWeights *w, const LoopUnrollOptions &o)
      : f_(f), weights_(w), options_(o) {}

  bool run() {
    countDefinitions();
    std::vector<CountedLoop> loops;
    for (BlockId b : f_.layout)
      if (std::optional<CountedLoop> l = match(b))
        loops.push_back(*l);
    bool changed = false;
    for (const CountedLoop &l : loops) {
      unsigned k = chooseFactor(l);
      if (k >= 2)
        changed |= unroll(l, k);
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

  std::optional<CountedLoop> match(BlockId b) const {
    const Block &blk = f_.block(b);
    if (b == f_.entry() || !blk.hasLabel() || blk.instrs.size() > options_.maxBodySize)
      return std::nullopt;
    const Instr *term = blk.terminator();
    if (!term || term->op != Opcode::Br || term->labels[0] == term->labels[1])
      return std::nullopt;
    CountedLoop l{};
    l.block = b;
    if (term->labels[0] == b) {
      l.continueOnTrue = true;
      l.exit = term->labels[1];
    } else if (term->labels[1] == b) {
      l.continueOnTrue = false;
      l.exit = term->labels[0];
    } else {
      return std::nullopt;
    }
    l.cond = term->args[0];
    size_t n = blk.instrs.size() - 1;
    std::optional<size_t> cmp;
    for (size_t i = 0; i < n; ++i) {
      const Instr &in = blk.instrs[i];
      switch (in.op) {
      case Opcode::Speculate: case Opcode::Guard: case Opcode::Commit: case Opcode::Ret:
      case Opcode::Phi: case Opcode::Set: case Opcode::Get:
        return std::nullopt;
      default:
        break;
      }
      if (in.dest == l.cond) {
        if (cmp)
          return std::nullopt;
        cmp = i;
      }
    }
    if (!cmp)
      return std::nullopt;
    l.cmpIndex = *cmp;
    const Instr &c = blk.instrs[*cmp];
    // Normalize to "continue while a < b" / "a <= b".
    VarId a, bnd;
    bool strict;
    auto set = [&](VarId lo, VarId hi, bool s) { a = lo; bnd = hi; strict = s; };
    bool t = l.continueOnTrue;
    switch (c.op) {
    case Opcode::Lt: t ? set(c.args[0], c.args[1], true) : set(c.args[1], c.args[0], false); break;
    case Opcode::Le: t ? set(c.args[0], c.args[1], false) : set(c.args[1], c.args[0], true); break;
    case Opcode::Gt: t ? set(c.args[1], c.args[0], true) : set(c.args[0], c.args[1], false); break;
    case Opcode::Ge: t ? set(c.args[1], c.args[0], false) : set(c.args[0], c.args[1], true); break;
    default: return std::nullopt;
    }
    l.iv = a;
    l.bound = bnd;
    l.inclusive = !strict;
    if (l.iv == l.bound || l.iv == l.cond || l.bound == l.cond)
      return std::nullopt;
    // i: one definition in L, `add i s`, before the comparison; n: none; c
    // read by nothing but the branch.
    std::optional<size_t> update;
    bool ivOnlyCounts = true;
    for (size_t i = 0; i < n; ++i) {
      const Instr &in = blk.instrs[i];
      if (in.dest == l.bound)
        return std::nullopt;
      for (VarId v : in.args)
        if (v == l.cond)
          return std::nullopt;
      if (in.dest == l.iv) {
        if (update || in.op != Opcode::Add || i > l.cmpIndex)
          return std::nullopt;
        VarId other;
        if (in.args[0] == l.iv)
          other = in.args[1];
        else if (in.args[1] == l.iv)
          other = in.args[0];
        else
          return std::nullopt;
        std::optional<int64_t> s = knownConstant(other);
        if (!s || *s <= 0 || *s > (int64_t(1) << 20))
          return std::nullopt;
        l.step = *s;
        update = i;
        continue;
      }
      if (i != l.cmpIndex)
        for (VarId v : in.args)
          if (v == l.iv)
            ivOnlyCounts = false;
    }
    if (!update)
      return std::nullopt;
    l.updateIndex = *update;
    l.ivOnlyCounts = ivOnlyCounts;
    return l;
  }

  // Instructions unroll(l, k) adds: the test E, the chunk U, the exit R.
  size_t addedSize(const CountedLoop &l, unsigned k) const {
    size_t copied = f_.block(l.block).instrs.size() - 2 - (l.ivOnlyCounts ? 1 : 0);
    size_t test = (l.ivOnlyCounts ? 1 : 0) + (knownConstant(l.bound) ? 2 : 5) + 1;
    return test + k * copied + (l.ivOnlyCounts ? 1 : 0) + 2 + 2;
  }

  unsigned chooseFactor(const CountedLoop &l) const {
    if (!weights_)
      return options_.maxFactor;
    double count = weights_->block(l.block);
    double entries = count - weights_->edge(l.block, l.block);
    if (entries <= 0)
      return 1;
    double trips = count / entries;
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

  bool unroll(const CountedLoop &l, unsigned k) {
    const int64_t span = int64_t(k - 1) * l.step;
    std::optional<int64_t> n = knownConstant(l.bound);
    if (n && (*n < -kMaxExactLiteral + span || *n > kMaxExactLiteral))
      return false;

    BlockId e = f_.addFreshBlock(f_.labelOf(l.block) + ".unroll.test");
    BlockId u = f_.addFreshBlock(f_.labelOf(l.block) + ".unroll");
    BlockId r = f_.addFreshBlock(f_.labelOf(l.block) + ".unroll.exit");
    const Block body = f_.block(l.block); // copy: addFreshBlock may move the arena
    const Instr &cmp = body.instrs[l.cmpIndex];
    Opcode chunkTest = l.inclusive ? Opcode::Le : Opcode::Lt;

    VarId m = f_.freshVar("unroll.m");
    VarId t = f_.freshVar("unroll.t");
    std::vector<Instr> test;
    VarId stride = kNoVar;
    if (l.ivOnlyCounts) {
      stride = f_.freshVar("unroll.stride");
      test.push_back(makeConst(stride, int64_t(k) * l.step));
    }
    if (n) {
      test.push_back(makeConst(m, *n - span));
      test.push_back(make(chunkTest, Type::boolTy(), t, {l.iv, m}));
    } else {
      VarId spanVar = f_.freshVar("unroll.span");
      VarId ok = f_.freshVar("unroll.ok");
      VarId pass = f_.freshVar("unroll.t");
      test.push_back(makeConst(spanVar, span));
      test.push_back(make(Opcode::Sub, Type::intTy(), m, {l.bound, spanVar}));
      test.push_back(make(Opcode::Lt, Type::boolTy(), ok, {m, l.bound}));
      test.push_back(make(chunkTest, Type::boolTy(), pass, {l.iv, m}));
      test.push_back(make(Opcode::And, Type::boolTy(), t, {pass, ok}));
    }
    test.push_back(makeBr(t, u, l.block));

    std::vector<Instr> chunk;
    size_t n0 = body.instrs.size() - 1;
    for (unsigned copy = 0; copy < k; ++copy)
      for (size_t i = 0; i < n0; ++i) {
        if (i == l.cmpIndex || (l.ivOnlyCounts && i == l.updateIndex))
          continue;
        chunk.push_back(body.instrs[i]);
      }
    if (l.ivOnlyCounts)
      chunk.push_back(make(Opcode::Add, Type::intTy(), l.iv, {l.iv, stride}));
    chunk.push_back(make(chunkTest, Type::boolTy(), t, {l.iv, m}));
    chunk.push_back(makeBr(t, u, r));

    std::vector<Instr> exit{cmp, *body.terminator()};

    // Every edge into L from elsewhere now enters the test.
    for (BlockId b : f_.layout) {
      if (b == l.block)
        continue;
      for (Instr &in : f_.block(b).instrs)
        for (BlockId &target : in.labels)
          if (target == l.block)
            target = e;
    }
    f_.block(e).instrs = std::move(test);
    f_.block(u).instrs = std::move(chunk);
    f_.block(r).instrs = std::move(exit);
    for (size_t i = 0; i < f_.layout.size(); ++i)
      if (f_.layout[i] == l.block) {
        f_.layout.insert(f_.layout.begin() + i, {e, u, r});
        break;
      }
    return true;
  }

  Function &f_;
  const FunctionWeights *weights_;
  const LoopUnrollOptions &options_;
  std::vector<unsigned> defs_;
  std::vector<std::optional<int64_t>> constValue_;
};

} // namespace

bool unrollCountedLoops(Function &f, const FunctionWeights *weights,
                        const LoopUnrollOptions &options) {
  return LoopUnroller(f, weights, options).run();
}

} // namespace brisk
