#include "tools/gen/FunctionGenerator.h"

#include <algorithm>
#include <array>
#include <functional>

namespace brisk::gen {

// Bounds saturate here rather than at UINT64_MAX so that sums of saturated
// values still compare sensibly.
static constexpr uint64_t kCostCap = uint64_t(1) << 62;

uint64_t satAdd(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r) || r > kCostCap)
    return kCostCap;
  return r;
}

uint64_t satMul(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r) || r > kCostCap)
    return kCostCap;
  return r;
}

Cost &Cost::operator+=(const Cost &o) {
  dyn = satAdd(dyn, o.dyn);
  prints = satAdd(prints, o.prints);
  selfCalls = satAdd(selfCalls, o.selfCalls);
  return *this;
}

Cost Cost::times(uint64_t k) const {
  return Cost{satMul(dyn, k), satMul(prints, k), satMul(selfCalls, k)};
}

Cost Cost::max(const Cost &a, const Cost &b) {
  return Cost{std::max(a.dyn, b.dyn), std::max(a.prints, b.prints),
              std::max(a.selfCalls, b.selfCalls)};
}

namespace {

// Scalar types index the variable pools.
enum Ty : unsigned { kInt, kBool, kFloat, kChar, kNumTy };

Type typeOf(unsigned t) {
  static constexpr std::array<Type, kNumTy> types = {Type::intTy(), Type::boolTy(),
                                                     Type::floatTy(), Type::charTy()};
  return types[t];
}

unsigned tyIndex(Type t) {
  switch (t.base()) {
  case BaseType::Bool: return kBool;
  case BaseType::Float: return kFloat;
  case BaseType::Char: return kChar;
  default: return kInt;
  }
}

// Code point ranges int2char draws from: all valid scalar values, chosen to
// cover one-byte, two-byte, three-byte (including above the surrogates,
// where UTF-16 order differs from code point order) and four-byte UTF-8.
struct CharRange {
  uint32_t base;
  uint32_t count;
  unsigned weight;
};
constexpr std::array<CharRange, 6> kCharRanges = {{
    {32, 95, 50},      // printable ASCII
    {'a', 26, 20},     // lower case letters
    {0x3B1, 25, 10},   // Greek
    {0x4E00, 64, 8},   // CJK
    {0xFF01, 64, 6},   // full-width forms (above the surrogate block)
    {0x1F600, 64, 6},  // emoji (outside the BMP)
}};

const CharRange &pickCharRange(Random &rng) {
  unsigned total = 0;
  for (const CharRange &r : kCharRanges)
    total += r.weight;
  unsigned x = unsigned(rng.below(total));
  for (const CharRange &r : kCharRanges) {
    if (x < r.weight)
      return r;
    x -= r.weight;
  }
  return kCharRanges[0];
}

// The largest region a memory scope allocates; indices are reduced modulo
// the actual length, which lies in [1, kMaxRegion].
constexpr int64_t kMaxRegion = 16;
// Hard nesting limits: loops multiply cost, branches only add code.
constexpr unsigned kMaxLoopDepth = 3;
constexpr unsigned kMaxIfDepth = 6;
constexpr unsigned kMaxRegions = 3;
// No simple statement emits more instructions than this; a region stops when
// its budget cannot take one more.
constexpr uint64_t kSimpleMax = 24;

struct Region {
  VarId ptr;
  Type elem; // the pointee type
  VarId len; // in [1, kMaxRegion]
};

struct Frame {
  Cost used;
  Cost budget;
  bool reserve; // planned calls still to place are charged against this frame
  // Kept for the statements of enclosing regions still to come (one per
  // instruction), so that an early loop cannot starve the rest of its region.
  uint64_t rest = 0;
};

struct Loop {
  BlockId exit;
  unsigned ownedAtEntry; // owned regions open when the loop began
};

class Builder {
public:
  Builder(const GenOptions &opts, Random &rng, const std::vector<Callee> &callees,
          const FunctionPlan &plan, Callee &self, std::map<std::string, uint64_t> *shapeCounts)
      : opts_(opts), rng_(rng), callees_(callees), plan_(plan), self_(self),
        shapeCounts_(shapeCounts) {}

  Function run();

private:
  // --- names, blocks, emission -------------------------------------------
  VarId newVar(char prefix) {
    std::string name(1, prefix);
    name += std::to_string(names_++);
    return fn_.var(name);
  }
  BlockId newBlock(const char *hint) {
    return fn_.addBlock(std::string(hint) + "." + std::to_string(names_++));
  }
  void startBlock(BlockId b) {
    fn_.layout.push_back(b);
    cur_ = b;
  }
  Instr &emit(Instr in) {
    frames_.back().used.dyn = satAdd(frames_.back().used.dyn, 1);
    ++static_;
    auto &instrs = fn_.block(cur_).instrs;
    instrs.push_back(std::move(in));
    return instrs.back();
  }
  VarId op(Opcode o, Type t, std::initializer_list<VarId> args, VarId dest = kNoVar) {
    if (dest == kNoVar)
      dest = newVar('v');
    Instr in;
    in.op = o;
    in.type = t;
    in.dest = dest;
    in.args.assign(args.begin(), args.end());
    emit(std::move(in));
    return dest;
  }
  VarId konst(Type t, Literal value, VarId dest = kNoVar) {
    if (dest == kNoVar)
      dest = newVar('c');
    Instr in;
    in.op = Opcode::Const;
    in.type = t;
    in.dest = dest;
    in.value = value;
    emit(std::move(in));
    return dest;
  }
  VarId intConst(int64_t v) { return konst(Type::intTy(), Literal::ofInt(v)); }
  void jump(BlockId target) {
    Instr in;
    in.op = Opcode::Jmp;
    in.labels = {target};
    emit(std::move(in));
  }
  void branch(VarId cond, BlockId t, BlockId f) {
    Instr in;
    in.op = Opcode::Br;
    in.args = {cond};
    in.labels = {t, f};
    emit(std::move(in));
  }
  void effect(Opcode o, std::initializer_list<VarId> args) {
    Instr in;
    in.op = o;
    in.args.assign(args.begin(), args.end());
    emit(std::move(in));
  }

  // --- scopes and variables ----------------------------------------------
  struct Scope {
    std::array<size_t, kNumTy> readable, writable;
    size_t regions;
  };
  Scope openScope() const {
    Scope s;
    for (unsigned t = 0; t < kNumTy; ++t) {
      s.readable[t] = readable_[t].size();
      s.writable[t] = writable_[t].size();
    }
    s.regions = regions_.size();
    return s;
  }
  void closeScope(const Scope &s) {
    for (unsigned t = 0; t < kNumTy; ++t) {
      readable_[t].resize(s.readable[t]);
      writable_[t].resize(s.writable[t]);
    }
    regions_.resize(s.regions);
  }
  void define(VarId v, unsigned t, bool writable) {
    readable_[t].push_back(v);
    if (writable)
      writable_[t].push_back(v);
  }
  bool typeEnabled(unsigned t) const {
    return t == kInt || t == kBool || (t == kFloat && opts_.floats) ||
           (t == kChar && opts_.chars);
  }
  unsigned randomType() {
    for (;;) {
      unsigned x = unsigned(rng_.below(100));
      unsigned t = x < 55 ? kInt : x < 70 ? kBool : x < 85 ? kFloat : kChar;
      if (typeEnabled(t))
        return t;
    }
  }

  Literal randomLiteral(unsigned t);
  // A variable of type t readable here; materialises a constant when there
  // is none.
  VarId read(unsigned t) {
    auto &pool = readable_[t];
    if (pool.empty() || rng_.chance(t == kInt ? 8 : 4))
      return konst(typeOf(t), randomLiteral(t));
    return pool[rng_.recentIndex(pool.size())];
  }
  // Where a new value of type t goes: an existing writable variable (which
  // makes loop-carried and merged values) or a new one defined here.
  VarId destFor(unsigned t, bool &isNew) {
    auto &pool = writable_[t];
    isNew = pool.empty() || rng_.chance(45);
    return isNew ? newVar('v') : pool[rng_.below(pool.size())];
  }
  void finishDest(VarId v, unsigned t, bool isNew) {
    if (isNew)
      define(v, t, true);
  }

  // --- arithmetic helpers --------------------------------------------------
  // x mod k for a positive constant k, in (-k, k): Bril has no mod.
  VarId modConst(VarId x, int64_t k) {
    VarId kv = intConst(k);
    VarId q = op(Opcode::Div, Type::intTy(), {x, kv});
    VarId m = op(Opcode::Mul, Type::intTy(), {q, kv});
    return op(Opcode::Sub, Type::intTy(), {x, m});
  }
  // x mod k in [0, k) for a variable k known to be in [1, 2^31).
  VarId modNonNeg(VarId x, VarId k) {
    VarId q = op(Opcode::Div, Type::intTy(), {x, k});
    VarId m = op(Opcode::Mul, Type::intTy(), {q, k});
    VarId r = op(Opcode::Sub, Type::intTy(), {x, m});
    VarId s = op(Opcode::Add, Type::intTy(), {r, k});
    VarId q2 = op(Opcode::Div, Type::intTy(), {s, k});
    VarId m2 = op(Opcode::Mul, Type::intTy(), {q2, k});
    return op(Opcode::Sub, Type::intTy(), {s, m2});
  }
  VarId boundedNonNeg(VarId x, int64_t k) { return modNonNeg(x, intConst(k)); }

  VarId biasedCond();
  VarId unbiasedCond();
  VarId condition() { return rng_.chance(40) ? biasedCond() : unbiasedCond(); }

  // --- budget -------------------------------------------------------------
  Cost avail() const {
    const Frame &f = frames_.back();
    Cost spent = f.used;
    spent.dyn = satAdd(spent.dyn, f.rest);
    if (f.reserve)
      spent += reserved_;
    return Cost{f.budget.dyn > spent.dyn ? f.budget.dyn - spent.dyn : 0,
                f.budget.prints > spent.prints ? f.budget.prints - spent.prints : 0, 0};
  }
  void pushFrame(Cost budget, bool reserve) {
    frames_.push_back(Frame{Cost{}, budget, reserve, 0});
  }
  static uint64_t minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }
  Cost popFrame() {
    Cost c = frames_.back().used;
    frames_.pop_back();
    return c;
  }
  void charge(const Cost &c) { frames_.back().used += c; }

  // --- statements -----------------------------------------------------------
  void region(uint64_t target);
  bool statement(uint64_t left);
  uint64_t subSize(uint64_t left) {
    if (left < 12)
      return left;
    return uint64_t(rng_.range(int64_t(std::max<uint64_t>(4, left / 8)),
                               int64_t(std::max<uint64_t>(4, left * 2 / 3))));
  }
  void simple();
  void intArith();
  void intDiv();
  void compare();
  void boolLogic();
  void floatArith();
  void charOps();
  void copy();
  void print();
  void memoryAccess();
  bool loop(uint64_t left);
  bool ifElse(uint64_t left);
  bool memoryScope(uint64_t left, int forcedElem, const std::function<void(const Region &)> &body);
  bool breakOut();
  bool earlyReturn();
  bool opportunisticCall(uint64_t left);
  // `forced`: the region passed for a pointer parameter (default: one of
  // the callee's element type in scope).
  void call(const Callee &callee, const Region *forced = nullptr);
  void selfCall();
  void emitCall(Instr in, Type ret);
  bool placePlanned();
  const Region *regionOf(Type elem) const {
    std::vector<const Region *> fit;
    for (const Region &r : regions_)
      if (r.elem == elem)
        fit.push_back(&r);
    return fit.empty() ? nullptr : fit[rng_.below(fit.size())];
  }
  void returnStatement();
  void initialiseState();

  // --- hazard and hot shapes (GenOptions::undefinedReads ... hotLoops) -------
  bool anyShape() const {
    return opts_.undefinedReads || opts_.traps || opts_.endlessLoops || opts_.ownSpeculation ||
           opts_.hotLoops || opts_.memoryHazards || opts_.aliasing || opts_.pointerLoops ||
           opts_.loopNests || opts_.foldedArms || opts_.longLines;
  }
  void countShape(const char *name) {
    if (shapeCounts_)
      ++(*shapeCounts_)[name];
  }
  bool shape(uint64_t left);
  VarId inputInt();
  VarId rareTrigger(bool rarest = false);
  void pureStatement();
  void forLoop(VarId n, uint64_t trip, Cost perIteration, const std::function<void(VarId)> &body);
  bool undefinedRead();
  bool callUndefinedReader();
  bool trapLoop(uint64_t left);
  bool endlessLoop();
  bool ownSpeculation();
  bool hotLoop(uint64_t left);
  void hotLoopBody(VarId i, const Region *r);

  // --- memory and loop shapes (GenOptions::memoryHazards ... loopNests) -----
  unsigned memoryType() { return rng_.chance(75) ? unsigned(kInt) : randomType(); }
  VarId storable(unsigned t);
  void observe(VarId v, unsigned t);
  VarId lengthIn(int64_t lo, int64_t hi);
  VarId allocFilled(VarId len, int64_t maxLen, unsigned t);
  void untilLoop(int64_t limit, Cost perIteration, const std::function<void(VarId)> &body,
                 int64_t stepBound = 3, const char *headName = "until",
                 const char *exitName = "reached", bool negatedExit = false);
  void biasedArms(const Region *r);
  bool memoryHazard();
  bool aliasing();
  bool aliasCall();
  bool pointerLoop();
  bool loopNest();
  bool foldedArms();
  bool longLine();

  const GenOptions &opts_;
  Random &rng_;
  const std::vector<Callee> &callees_;
  const FunctionPlan &plan_;
  Callee &self_;
  std::map<std::string, uint64_t> *shapeCounts_;

  Function fn_;
  BlockId cur_ = kNoBlock;
  uint64_t names_ = 0;
  uint64_t static_ = 0;
  std::vector<Frame> frames_;
  std::array<std::vector<VarId>, kNumTy> readable_, writable_;
  std::vector<Region> regions_;
  std::vector<Loop> loops_;
  unsigned ifDepth_ = 0;
  unsigned ownedRegions_ = 0;
  // Planned callees not yet called, and their summed cost.
  std::vector<size_t> pending_;
  Cost reserved_;
  // Recursive helpers: self-calls still to place in the recursive arm, and
  // the depth argument they pass.
  unsigned pendingSelf_ = 0;
  VarId depthMinusOne_ = kNoVar;
  // A helper's local defined on some paths only, read before it returns.
  VarId maybeUndefined_ = kNoVar;
};

Literal Builder::randomLiteral(unsigned t) {
  switch (t) {
  case kBool:
    return Literal::ofBool(rng_.chance(50));
  case kFloat: {
    unsigned x = unsigned(rng_.below(100));
    if (x < 45)
    {
      double num = double(rng_.range(-64, 64));
      return Literal::ofFloat(num / double(1 << rng_.below(4)));
    }
    if (x < 70)
      return Literal::ofFloat((rng_.unit() - 0.5) * 2000.0);
    if (x < 80)
      return Literal::ofFloat(rng_.unit() * 1e-9);
    if (x < 90)
      return Literal::ofFloat((rng_.unit() + 0.1) * 1e12);
    if (x < 95)
      return Literal::ofFloat(rng_.chance(50) ? 0.0 : -0.0);
    return Literal::ofFloat(double(rng_.range(-1000000, 1000000)));
  }
  case kChar: {
    const CharRange &r = pickCharRange(rng_);
    return Literal::ofChar(r.base + uint32_t(rng_.below(r.count)));
  }
  default: {
    unsigned x = unsigned(rng_.below(100));
    if (x < 60)
      return Literal::ofInt(rng_.range(-10, 20));
    if (x < 85)
      return Literal::ofInt(rng_.range(-1000, 1000));
    if (x < 95) {
      int64_t v = rng_.range(int64_t(1) << 20, int64_t(1) << 40);
      return Literal::ofInt(rng_.chance(50) ? v : -v);
    }
    // Exact in a double, so the reference interpreter reads it unchanged.
    static constexpr int64_t kSpecial[] = {0, 1, -1, 2, (int64_t(1) << 53) - 1,
                                           -((int64_t(1) << 53) - 1), int64_t(1) << 52};
    return Literal::ofInt(kSpecial[rng_.below(std::size(kSpecial))]);
  }
  }
}

// Rarely true (or, negated, rarely false): the shape profile-guided
// superblock formation exploits.
VarId Builder::biasedCond() {
  static constexpr int64_t kPeriods[] = {4, 8, 16, 32, 64};
  int64_t k = kPeriods[rng_.below(std::size(kPeriods))];
  VarId r = modConst(read(kInt), k);
  VarId z = intConst(rng_.chance(70) ? 0 : rng_.range(1, k - 1));
  VarId c = op(Opcode::Eq, Type::boolTy(), {r, z});
  if (rng_.chance(50))
    c = op(Opcode::Not, Type::boolTy(), {c});
  return c;
}

VarId Builder::unbiasedCond() {
  unsigned x = unsigned(rng_.below(100));
  if (x < 20 && !readable_[kBool].empty())
    return read(kBool);
  if (x < 35) {
    VarId r = modConst(read(kInt), 2);
    return op(Opcode::Eq, Type::boolTy(), {r, intConst(0)});
  }
  if (x < 50 && opts_.floats) {
    static constexpr Opcode kOps[] = {Opcode::FLt, Opcode::FLe, Opcode::FGt, Opcode::FGe};
    Opcode o = kOps[rng_.below(4)];
    return op(o, Type::boolTy(), {read(kFloat), read(kFloat)});
  }
  if (x < 60 && opts_.chars) {
    static constexpr Opcode kOps[] = {Opcode::CLt, Opcode::CLe, Opcode::CGt, Opcode::CGe,
                                      Opcode::CEq};
    Opcode o = kOps[rng_.below(5)];
    return op(o, Type::boolTy(), {read(kChar), read(kChar)});
  }
  static constexpr Opcode kOps[] = {Opcode::Lt, Opcode::Le, Opcode::Gt, Opcode::Ge};
  Opcode o = kOps[rng_.below(4)];
  return op(o, Type::boolTy(), {read(kInt), read(kInt)});
}

void Builder::intArith() {
  static constexpr Opcode kOps[] = {Opcode::Add, Opcode::Add, Opcode::Sub, Opcode::Sub,
                                    Opcode::Mul};
  Opcode o = kOps[rng_.below(std::size(kOps))];
  VarId a = read(kInt);
  VarId b = read(kInt);
  bool isNew;
  VarId d = destFor(kInt, isNew);
  op(o, Type::intTy(), {a, b}, d);
  finishDest(d, kInt, isNew);
}

void Builder::intDiv() {
  VarId divisor;
  if (rng_.chance(50)) {
    static constexpr int64_t kDivisors[] = {2, 3, 4, 7, 10, 16, -1, -2, -5, 1000};
    divisor = intConst(kDivisors[rng_.below(std::size(kDivisors))]);
  } else {
    // (x mod k) + 1 with the non-negative mod: in [1, k], never zero.
    int64_t k = rng_.range(2, 50);
    VarId m = boundedNonNeg(read(kInt), k);
    divisor = op(Opcode::Add, Type::intTy(), {m, intConst(1)});
  }
  VarId a = read(kInt);
  bool isNew;
  VarId d = destFor(kInt, isNew);
  op(Opcode::Div, Type::intTy(), {a, divisor}, d);
  finishDest(d, kInt, isNew);
}

void Builder::compare() {
  VarId c = condition();
  bool isNew;
  VarId d = destFor(kBool, isNew);
  op(Opcode::Id, Type::boolTy(), {c}, d);
  finishDest(d, kBool, isNew);
}

void Builder::boolLogic() {
  unsigned x = unsigned(rng_.below(3));
  bool isNew;
  VarId a = read(kBool);
  VarId d = destFor(kBool, isNew);
  if (x == 0)
    op(Opcode::Not, Type::boolTy(), {a}, d);
  else
    op(x == 1 ? Opcode::And : Opcode::Or, Type::boolTy(), {a, read(kBool)}, d);
  finishDest(d, kBool, isNew);
}

void Builder::floatArith() {
  static constexpr Opcode kOps[] = {Opcode::FAdd, Opcode::FAdd, Opcode::FSub, Opcode::FMul,
                                    Opcode::FDiv};
  Opcode o = kOps[rng_.below(std::size(kOps))];
  VarId a = read(kFloat);
  VarId b = read(kFloat);
  bool isNew;
  VarId d = destFor(kFloat, isNew);
  op(o, Type::floatTy(), {a, b}, d);
  finishDest(d, kFloat, isNew);
}

void Builder::charOps() {
  if (rng_.chance(40)) {
    VarId i = op(Opcode::Char2Int, Type::intTy(), {read(kChar)});
    bool isNew;
    VarId d = destFor(kInt, isNew);
    VarId s = op(Opcode::Add, Type::intTy(), {i, read(kInt)}, d);
    finishDest(s, kInt, isNew);
    return;
  }
  const CharRange &r = pickCharRange(rng_);
  VarId m = boundedNonNeg(read(kInt), r.count);
  VarId cp = op(Opcode::Add, Type::intTy(), {m, intConst(r.base)});
  bool isNew;
  VarId d = destFor(kChar, isNew);
  op(Opcode::Int2Char, Type::charTy(), {cp}, d);
  finishDest(d, kChar, isNew);
}

void Builder::copy() {
  unsigned t = randomType();
  VarId src = read(t);
  bool isNew;
  VarId d = destFor(t, isNew);
  op(Opcode::Id, typeOf(t), {src}, d);
  finishDest(d, t, isNew);
}

void Builder::print() {
  Instr in;
  in.op = Opcode::Print;
  unsigned n = unsigned(rng_.range(1, 3));
  for (unsigned i = 0; i < n; ++i)
    in.args.push_back(read(randomType()));
  emit(std::move(in));
  frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
}

void Builder::memoryAccess() {
  const Region &r = regions_[rng_.below(regions_.size())];
  VarId idx = modNonNeg(read(kInt), r.len);
  VarId p = op(Opcode::PtrAdd, r.elem.pointerTo(), {r.ptr, idx});
  unsigned t = tyIndex(r.elem);
  if (rng_.chance(50)) {
    effect(Opcode::Store, {p, read(t)});
  } else {
    bool isNew;
    VarId d = destFor(t, isNew);
    op(Opcode::Load, r.elem, {p}, d);
    finishDest(d, t, isNew);
  }
}

void Builder::simple() {
  for (;;) {
    unsigned x = unsigned(rng_.below(100));
    if (x < 30)
      return intArith();
    if (x < 36)
      return intDiv();
    if (x < 46)
      return compare();
    if (x < 52)
      return boolLogic();
    if (x < 62) {
      if (opts_.floats)
        return floatArith();
      continue;
    }
    if (x < 68) {
      if (opts_.chars)
        return charOps();
      continue;
    }
    if (x < 72)
      return copy();
    if (x < 73) {
      effect(Opcode::Nop, {});
      return;
    }
    if (x < 80) {
      if (opts_.prints && avail().prints >= 1)
        return print();
      continue;
    }
    if (!regions_.empty())
      return memoryAccess();
  }
}

void Builder::region(uint64_t target) {
  uint64_t start = static_;
  while (static_ - start < target)
    if (!statement(target - (static_ - start)))
      break;
}

bool Builder::statement(uint64_t left) {
  if (avail().dyn < kSimpleMax)
    return false;
  // Drawn only when a shape is on, so that without them the stream (and the
  // program) is what it always was.
  if (anyShape() && rng_.below(100) < opts_.shapeRate && shape(left))
    return true;
  // Planned calls and self-calls go mostly at the top level of the function
  // (they then run on every path), sometimes into a branch arm, never into
  // a loop.
  if ((!pending_.empty() || pendingSelf_ > 0) && loops_.empty() &&
      rng_.below(1000) < (frames_.size() == 1 ? 100u : 2u) && placePlanned())
    return true;
  if (left >= 10) {
    unsigned x = unsigned(rng_.below(100));
    if (x < 16 && loops_.size() < kMaxLoopDepth && loop(left))
      return true;
    if (x >= 16 && x < 32 && ifDepth_ < kMaxIfDepth && ifElse(left))
      return true;
    if (x >= 32 && x < 37 && opts_.memory && regions_.size() < kMaxRegions &&
        memoryScope(left, -1, nullptr))
      return true;
    if (x >= 37 && x < 45 && opportunisticCall(left))
      return true;
    if (x >= 45 && x < 48 && breakOut())
      return true;
    if (x >= 48 && x < 50 && earlyReturn())
      return true;
  }
  simple();
  return true;
}

bool Builder::loop(uint64_t left) {
  Cost av = avail();
  uint64_t body = subSize(left);
  av.dyn = minus(av.dyn, left - body);
  // Most loops are short; a few are hot enough for the profile to matter.
  unsigned x = unsigned(rng_.below(100));
  uint64_t maxTrip = x < 65 ? rng_.range(2, 16) : x < 90 ? rng_.range(17, 64) : rng_.range(65, 400);
  constexpr uint64_t kSetup = 12, kOverhead = 6;
  if (av.dyn < kSetup + 2 * (body + kOverhead) + kSimpleMax) {
    if (av.dyn < kSetup + 2 * (kSimpleMax + kOverhead) + kSimpleMax)
      return false;
    body = (av.dyn - kSetup - kSimpleMax) / 2 - kOverhead;
  }
  uint64_t trip = std::min(maxTrip, (av.dyn - kSetup - 2) / (body + kOverhead + kSimpleMax));
  if (trip < 2)
    return false;
  Cost perIteration{(av.dyn - kSetup - 2) / trip, av.prints / trip, 0};

  // The exit test of a do-while loop: `i = add i one; c = lt i n` (0), or the
  // comparison before the update, `c = lt i n` (1) or `c = eq i n` (2, "until
  // i == n"), which run one trip more for the same n.
  bool doWhile = rng_.chance(35);
  unsigned test = doWhile ? unsigned(rng_.below(3)) : 0;
  int64_t lastN = int64_t(trip) - (test == 0 ? 0 : 1);
  // The trip count: a constant, or data reduced into [0, lastN].
  VarId n = rng_.chance(25) ? intConst(lastN) : boundedNonNeg(read(kInt), lastN + 1);
  VarId i = konst(Type::intTy(), Literal::ofInt(0), newVar('i'));
  VarId one = intConst(1);
  define(i, kInt, false);
  define(n, kInt, false);
  BlockId head = newBlock(doWhile ? "do" : "loop");
  BlockId bodyBlock = doWhile ? head : newBlock("body");
  BlockId exit = newBlock("done");
  startBlock(head);
  pushFrame(perIteration, false);
  if (!doWhile) {
    VarId c = op(Opcode::Lt, Type::boolTy(), {i, n});
    branch(c, bodyBlock, exit);
    startBlock(bodyBlock);
  }
  loops_.push_back(Loop{exit, ownedRegions_});
  Scope scope = openScope();
  region(body);
  closeScope(scope);
  loops_.pop_back();
  if (test != 0) {
    VarId c = op(test == 1 ? Opcode::Lt : Opcode::Eq, Type::boolTy(), {i, n});
    op(Opcode::Add, Type::intTy(), {i, one}, i);
    if (test == 1)
      branch(c, head, exit);
    else
      branch(c, exit, head);
  } else if (doWhile) {
    op(Opcode::Add, Type::intTy(), {i, one}, i);
    VarId c = op(Opcode::Lt, Type::boolTy(), {i, n});
    branch(c, head, exit);
  } else {
    op(Opcode::Add, Type::intTy(), {i, one}, i);
    jump(head);
  }
  Cost iteration = popFrame();
  startBlock(exit);
  // A while loop runs its test once more than its body; a do-while runs its
  // body at least once, and at most `trip` times since i counts from 1 (or,
  // compared before its update, counts from 0 up to n <= trip - 1).
  Cost total = iteration.times(trip);
  if (!doWhile)
    total += Cost{2, 0, 0};
  charge(total);
  return true;
}

bool Builder::ifElse(uint64_t left) {
  uint64_t size = subSize(left);
  bool hasElse = rng_.chance(60);
  uint64_t thenSize = hasElse ? std::max<uint64_t>(1, size * rng_.range(30, 70) / 100) : size;
  uint64_t elseSize = hasElse ? size - std::min(size, thenSize) : 0;
  VarId c = condition();
  BlockId thenBlock = newBlock("then");
  BlockId elseBlock = hasElse ? newBlock("else") : kNoBlock;
  BlockId join = newBlock("endif");
  branch(c, thenBlock, hasElse ? elseBlock : join);
  const Frame &parent = frames_.back();
  Cost armBudget{minus(parent.budget.dyn, satAdd(parent.used.dyn, parent.rest + (left - size))),
                 parent.budget.prints > parent.used.prints
                     ? parent.budget.prints - parent.used.prints
                     : 0,
                 0};
  bool reserve = parent.reserve;
  ++ifDepth_;
  startBlock(thenBlock);
  pushFrame(armBudget, reserve);
  Scope scope = openScope();
  region(thenSize);
  closeScope(scope);
  if (hasElse)
    jump(join);
  Cost thenCost = popFrame();
  Cost elseCost;
  if (hasElse) {
    startBlock(elseBlock);
    pushFrame(armBudget, reserve);
    scope = openScope();
    region(std::max<uint64_t>(1, elseSize));
    closeScope(scope);
    elseCost = popFrame();
  }
  --ifDepth_;
  startBlock(join);
  charge(Cost::max(thenCost, elseCost));
  return true;
}

// Allocates a region, initialises every element, runs `body` (or a generated
// region) with it in scope, and frees it. `forcedElem` is a Ty or -1.
bool Builder::memoryScope(uint64_t left, int forcedElem,
                          const std::function<void(const Region &)> &body) {
  // Initialisation costs 7 per element plus the final test.
  constexpr uint64_t kInit = 7 * kMaxRegion + 2 + 16;
  if (avail().dyn < kInit + kSimpleMax + (body ? 0 : 40))
    return false;
  unsigned t = forcedElem >= 0 ? unsigned(forcedElem) : randomType();
  Type elem = typeOf(t);
  VarId len;
  if (rng_.chance(40)) {
    len = intConst(rng_.range(1, kMaxRegion));
  } else {
    VarId m = boundedNonNeg(read(kInt), kMaxRegion);
    len = op(Opcode::Add, Type::intTy(), {m, intConst(1)});
  }
  VarId ptr = op(Opcode::Alloc, elem.pointerTo(), {len}, newVar('p'));
  // for (i = 0; i < len; ++i) ptr[i] = value
  VarId i = konst(Type::intTy(), Literal::ofInt(0), newVar('i'));
  VarId one = intConst(1);
  BlockId head = newBlock("init");
  BlockId bodyBlock = newBlock("fill");
  BlockId exit = newBlock("ready");
  startBlock(head);
  pushFrame(Cost{kInit, 0, 0}, false);
  VarId c = op(Opcode::Lt, Type::boolTy(), {i, len});
  branch(c, bodyBlock, exit);
  startBlock(bodyBlock);
  VarId slot = op(Opcode::PtrAdd, elem.pointerTo(), {ptr, i});
  // Element i gets an outer value or a constant: no loop-local temporaries
  // leak into the scope since the pools are untouched here.
  effect(Opcode::Store, {slot, readable_[t].empty() || rng_.chance(30)
                                   ? konst(elem, randomLiteral(t))
                                   : readable_[t][rng_.below(readable_[t].size())]});
  op(Opcode::Add, Type::intTy(), {i, one}, i);
  jump(head);
  Cost iteration = popFrame();
  startBlock(exit);
  Cost init = iteration.times(kMaxRegion);
  init += Cost{2, 0, 0};
  charge(init);

  Scope scope = openScope();
  Region r{ptr, elem, len};
  regions_.push_back(r);
  ++ownedRegions_;
  if (body) {
    body(r);
  } else {
    uint64_t size = subSize(left);
    uint64_t saved = frames_.back().rest;
    frames_.back().rest = satAdd(saved, left - size);
    region(size);
    frames_.back().rest = saved;
  }
  --ownedRegions_;
  closeScope(scope);
  effect(Opcode::Free, {ptr});
  return true;
}

bool Builder::breakOut() {
  if (loops_.empty() || loops_.back().ownedAtEntry != ownedRegions_)
    return false;
  VarId c = condition();
  BlockId cont = newBlock("cont");
  branch(c, loops_.back().exit, cont);
  startBlock(cont);
  return true;
}

bool Builder::earlyReturn() {
  // Returning early must not skip a region's free, nor the planned calls
  // that keep the helpers below this function reachable.
  if (ownedRegions_ != 0 || !pending_.empty() || pendingSelf_ > 0 ||
      (plan_.kind == FunctionKind::Main && rng_.chance(70)))
    return false;
  VarId c = biasedCond();
  BlockId ret = newBlock("early");
  BlockId cont = newBlock("cont");
  branch(c, ret, cont);
  startBlock(ret);
  returnStatement();
  startBlock(cont);
  return true;
}

void Builder::returnStatement() {
  Instr in;
  in.op = Opcode::Ret;
  if (!plan_.ret.isNone())
    in.args = {read(tyIndex(plan_.ret))};
  emit(std::move(in));
}

// Emits the call `in` (arguments set), giving it a destination of type `ret`
// unless that is none.
void Builder::emitCall(Instr in, Type ret) {
  bool isNew = false;
  unsigned t = kInt;
  if (!ret.isNone()) {
    t = tyIndex(ret);
    in.type = ret;
    in.dest = destFor(t, isNew);
  }
  VarId dest = in.dest;
  emit(std::move(in));
  if (dest != kNoVar)
    finishDest(dest, t, isNew);
}

// Calls `callee` with arguments from the variables in scope; the caller has
// checked that it fits and, for pointer parameters, that a region exists.
void Builder::call(const Callee &callee, const Region *forced) {
  Instr in;
  in.op = Opcode::Call;
  in.callee = callee.name;
  const Region *region = forced ? forced
                         : callee.ptrParam >= 0
                             ? regionOf(callee.params[size_t(callee.ptrParam)].pointee())
                             : nullptr;
  for (size_t p = 0; p < callee.params.size(); ++p) {
    if (callee.recursive && p == 0) {
      in.args.push_back(rng_.chance(30)
                            ? intConst(rng_.range(0, int64_t(callee.maxDepth)))
                            : boundedNonNeg(read(kInt), int64_t(callee.maxDepth) + 1));
    } else if (region && int(p) == callee.ptrParam) {
      in.args.push_back(region->ptr);
    } else if (region && int(p) == callee.ptrParam + 1) {
      in.args.push_back(region->len);
    } else {
      in.args.push_back(read(tyIndex(callee.params[p])));
    }
  }
  emitCall(std::move(in), callee.ret);
  charge(callee.cost);
}

bool Builder::opportunisticCall(uint64_t left) {
  if (callees_.empty())
    return false;
  Cost av = avail();
  av.dyn = minus(av.dyn, left);
  // Sample rather than scan: a million-instruction program has thousands of
  // helpers and tens of thousands of call opportunities.
  for (int attempt = 0; attempt < 6; ++attempt) {
    const Callee &c = callees_[rng_.below(callees_.size())];
    if (c.cost.dyn + 2 * kSimpleMax > av.dyn || c.cost.prints > av.prints)
      continue;
    if (c.ptrParam >= 0 && !regionOf(c.params[size_t(c.ptrParam)].pointee()))
      continue;
    call(c);
    return true;
  }
  return false;
}

void Builder::selfCall() {
  Instr in;
  in.op = Opcode::Call;
  in.callee = plan_.name;
  in.args.push_back(depthMinusOne_);
  for (size_t p = 1; p < plan_.params.size(); ++p)
    in.args.push_back(read(tyIndex(plan_.params[p])));
  emitCall(std::move(in), plan_.ret);
  frames_.back().used.selfCalls = satAdd(frames_.back().used.selfCalls, 1);
}

// Places one planned callee (or one self-call) here. Only called outside
// loops, so each placed call runs at most once per execution of the caller.
bool Builder::placePlanned() {
  if (pendingSelf_ > 0) {
    --pendingSelf_;
    selfCall();
    return true;
  }
  if (pending_.empty())
    return false;
  size_t idx = pending_.back();
  pending_.pop_back();
  const Callee &c = callees_[idx];
  reserved_.dyn = reserved_.dyn > c.cost.dyn ? reserved_.dyn - c.cost.dyn : 0;
  reserved_.prints = reserved_.prints > c.cost.prints ? reserved_.prints - c.cost.prints : 0;
  if (c.ptrParam >= 0 && !regionOf(c.params[size_t(c.ptrParam)].pointee())) {
    // No region of the right type is in scope: make one just for the call.
    size_t frame = frames_.size() - 1;
    Cost saved = frames_[frame].budget;
    frames_[frame].budget = Cost{kCostCap, kCostCap, 0}; // the reservation covered it
    memoryScope(0, int(tyIndex(c.params[size_t(c.ptrParam)].pointee())),
                [&](const Region &) { call(c); });
    frames_[frame].budget = saved;
    return true;
  }
  call(c);
  return true;
}

void Builder::initialiseState() {
  // State variables: long-lived, overwritten all over the function, so that
  // loops carry values and branches merge them.
  unsigned counts[kNumTy] = {unsigned(rng_.range(2, 4)), unsigned(rng_.range(1, 2)),
                             unsigned(rng_.range(1, 2)), unsigned(rng_.range(0, 1))};
  for (unsigned t = 0; t < kNumTy; ++t) {
    if (!typeEnabled(t))
      continue;
    for (unsigned k = 0; k < counts[t]; ++k) {
      VarId v = newVar('s');
      if (!readable_[t].empty() && rng_.chance(60))
        op(Opcode::Id, typeOf(t), {readable_[t][rng_.below(readable_[t].size())]}, v);
      else
        konst(typeOf(t), randomLiteral(t), v);
      define(v, t, true);
    }
  }
}

// --- hazard and hot shapes ------------------------------------------------------

bool Builder::shape(uint64_t left) {
  enum Kind {
    Undefined,
    UndefinedCall,
    Trap,
    Endless,
    Speculation,
    Hot,
    MemoryHazard,
    Aliasing,
    PointerLoop,
    LoopNest,
    FoldedArms,
    LongLine
  };
  // The names of GeneratorFlags' switches, for GenStats::shapes.
  static constexpr const char *kNames[] = {"undefined-reads", "undefined-reads", "traps",
                                           "endless-loops",   "own-speculation", "hot-loops",
                                           "memory-hazards",  "aliasing",        "pointer-loops",
                                           "loop-nests",      "folded-arms",     "long-lines"};
  std::vector<Kind> kinds;
  if (opts_.undefinedReads) {
    kinds.push_back(Undefined);
    if (!loops_.empty())
      kinds.push_back(UndefinedCall);
  }
  if (opts_.traps)
    kinds.push_back(Trap);
  if (opts_.endlessLoops)
    kinds.push_back(Endless);
  if (opts_.ownSpeculation)
    kinds.push_back(Speculation);
  if (opts_.hotLoops) { // twice the weight: speculation needs them most
    kinds.push_back(Hot);
    kinds.push_back(Hot);
  }
  // Added after the others, so that programs without them keep their stream.
  if (opts_.memoryHazards && opts_.memory)
    kinds.push_back(MemoryHazard);
  if (opts_.aliasing && opts_.memory)
    kinds.push_back(Aliasing);
  if (opts_.pointerLoops && opts_.memory)
    kinds.push_back(PointerLoop);
  if (opts_.loopNests)
    kinds.push_back(LoopNest);
  if (opts_.foldedArms && opts_.prints)
    kinds.push_back(FoldedArms);
  if (opts_.longLines && opts_.prints)
    kinds.push_back(LongLine);
  if (kinds.empty()) // only memory shapes, and --no-memory
    return false;
  Kind kind = kinds[rng_.below(kinds.size())];
  bool placed = false;
  switch (kind) {
  case Undefined: placed = undefinedRead(); break;
  case UndefinedCall: placed = callUndefinedReader(); break;
  case Trap: placed = loops_.size() < kMaxLoopDepth && trapLoop(left); break;
  case Endless: placed = endlessLoop(); break;
  case Speculation: placed = ownSpeculation(); break;
  case Hot: placed = loops_.size() < kMaxLoopDepth && hotLoop(left); break;
  case MemoryHazard: placed = memoryHazard(); break;
  case Aliasing: placed = aliasing(); break;
  case PointerLoop: placed = loops_.size() < kMaxLoopDepth && pointerLoop(); break;
  case LoopNest: placed = loops_.size() + 2 <= kMaxLoopDepth && loopNest(); break;
  case FoldedArms: placed = loops_.size() + 2 <= kMaxLoopDepth && foldedArms(); break;
  case LongLine: placed = longLine(); break;
  }
  if (placed)
    countShape(kNames[kind]);
  return placed;
}

// An int variable in scope that depends on the input, a constant only when
// there is none.
VarId Builder::inputInt() {
  // Mostly an int parameter (still an input where it was overwritten):
  // state variables may hold constants, and a trigger on a constant would
  // fire on every input or none.
  std::vector<VarId> params;
  for (const Param &p : fn_.params)
    if (p.type == Type::intTy())
      params.push_back(p.var);
  if (!params.empty() && rng_.chance(70))
    return params[rng_.below(params.size())];
  auto &pool = readable_[kInt];
  return pool.empty() ? intConst(rng_.range(-10, 40)) : pool[rng_.recentIndex(pool.size())];
}

// True on about one input in `period`: the trigger of a shape's hazard, rare
// so that most inputs (the training one, usually) run cleanly.
VarId Builder::rareTrigger(bool rarest) {
  static constexpr int64_t kPeriods[] = {3, 5, 8, 16, 32};
  int64_t k = rarest ? kPeriods[std::size(kPeriods) - 1] : kPeriods[rng_.below(4)];
  VarId r = modConst(inputInt(), k);
  return op(Opcode::Eq, Type::boolTy(), {r, intConst(rng_.range(0, k - 1))});
}

// A statement with no effect and no call: what may run inside the program's
// own speculation and inside a loop that may never end.
void Builder::pureStatement() {
  for (;;) {
    unsigned x = unsigned(rng_.below(100));
    if (x < 40)
      return intArith();
    if (x < 50)
      return intDiv();
    if (x < 65)
      return compare();
    if (x < 75)
      return boolLogic();
    if (x < 85 && opts_.floats)
      return floatArith();
    if (x < 92 && opts_.chars)
      return charOps();
    if (x >= 92)
      return copy();
  }
}

// `for (i = 0; i < n; ++i) body(i)` where n <= trip on every run, one frame of
// `perIteration` per iteration; charges `trip` iterations and the final test.
// Breaks in the body leave the loop.
void Builder::forLoop(VarId n, uint64_t trip, Cost perIteration,
                      const std::function<void(VarId)> &body) {
  VarId i = konst(Type::intTy(), Literal::ofInt(0), newVar('i'));
  VarId one = intConst(1);
  define(i, kInt, false);
  BlockId head = newBlock("loop"), bodyBlock = newBlock("body"), exit = newBlock("done");
  startBlock(head);
  pushFrame(perIteration, false);
  VarId c = op(Opcode::Lt, Type::boolTy(), {i, n});
  branch(c, bodyBlock, exit);
  startBlock(bodyBlock);
  loops_.push_back(Loop{exit, ownedRegions_});
  Scope scope = openScope();
  body(i);
  closeScope(scope);
  loops_.pop_back();
  op(Opcode::Add, Type::intTy(), {i, one}, i);
  jump(head);
  Cost iteration = popFrame();
  startBlock(exit);
  Cost total = iteration.times(trip);
  total += Cost{2, 0, 0};
  charge(total);
}

// (a) `br c .def .maybe; .def: u = ...; .maybe: ...; <read u>`: u is undefined
// after the join on the inputs where c goes the other way. Inside a loop, a
// later iteration sees an earlier iteration's value instead.
bool Builder::undefinedRead() {
  unsigned t = randomType();
  BlockId def = newBlock("def"), join = newBlock("maybe");
  if (rng_.chance(85)) {
    // Undefined on a few inputs; in a loop the trigger sees every value of
    // the counter, so there it is the rarest one.
    branch(rareTrigger(/*rarest=*/!loops_.empty()), join, def);
  } else {
    VarId c = condition(); // biased or not, on any data
    if (rng_.chance(50))
      branch(c, def, join);
    else
      branch(c, join, def);
  }
  startBlock(def);
  VarId u = newVar('u');
  if (t == kInt && rng_.chance(50))
    op(Opcode::Add, Type::intTy(), {read(kInt), read(kInt)}, u);
  else
    op(Opcode::Id, typeOf(t), {read(t)}, u);
  startBlock(join);
  for (int64_t k = rng_.range(0, 2); k > 0; --k)
    pureStatement();
  unsigned use = unsigned(rng_.below(3));
  if (use == 1 && opts_.prints && avail().prints >= 1) {
    effect(Opcode::Print, {u});
    frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
  } else if (use == 2) {
    // Into a variable the rest of the function reads.
    bool isNew;
    VarId d = destFor(t, isNew);
    if (t == kInt)
      op(Opcode::Add, Type::intTy(), {u, read(kInt)}, d);
    else
      op(Opcode::Id, typeOf(t), {u}, d);
    finishDest(d, t, isNew);
  } else {
    op(Opcode::Id, typeOf(t), {u}); // a dead read: deleting it loses the error
  }
  return true;
}

// (a) A call, inside a loop, of a helper that reads a local it defines on
// some paths only.
bool Builder::callUndefinedReader() {
  Cost av = avail();
  for (const Callee &c : callees_)
    if (c.readsMaybeUndefined && c.ptrParam < 0 && c.cost.dyn + 2 * kSimpleMax <= av.dyn &&
        c.cost.prints <= av.prints) {
      call(c);
      return true;
    }
  return false;
}

// (b) A loop that prints i and then (or just before) traps at iteration k:
// `div x (k - i)`, `int2char (0x110000 + i - k)`, or a load at an index
// pushed out of bounds when i == k. k is far beyond the trip count unless a
// rare trigger on the input holds; then it lies in the middle of the loop.
bool Builder::trapLoop(uint64_t left) {
  enum { Div, Char, Load };
  std::vector<int> kinds{Div};
  if (opts_.chars)
    kinds.push_back(Char);
  if (opts_.memory && (!regions_.empty() || regions_.size() < kMaxRegions))
    kinds.push_back(Load);
  int kind = kinds[rng_.below(kinds.size())];
  Cost av = avail();
  bool hot = opts_.hotLoops && rng_.chance(25);
  uint64_t trip = hot ? uint64_t(rng_.range(100, 200)) : uint64_t(rng_.range(3, 40));
  if (!hot && av.prints >= 3)
    trip = std::min(trip, av.prints);
  constexpr uint64_t kSetup = 40, kPerIteration = 60;
  uint64_t need = kSetup + trip * kPerIteration + (kind == Load && regions_.empty() ? 200 : 0);
  if (av.dyn < need)
    return false;

  VarId k = konst(Type::intTy(), Literal::ofInt(1000000), newVar('k'));
  VarId trig = rareTrigger();
  BlockId arm = newBlock("arm"), armed = newBlock("armed");
  branch(trig, arm, armed);
  startBlock(arm);
  if (rng_.chance(50)) {
    konst(Type::intTy(), Literal::ofInt(rng_.range(1, int64_t(trip) - 1)), k);
  } else {
    VarId m = boundedNonNeg(inputInt(), int64_t(trip) - 1);
    op(Opcode::Add, Type::intTy(), {m, intConst(1)}, k);
  }
  startBlock(armed);
  VarId n = rng_.chance(60) ? intConst(int64_t(trip)) : boundedNonNeg(inputInt(), int64_t(trip) + 1);

  auto emitLoop = [&](const Region *r) {
    Cost a = avail();
    Cost perIteration{a.dyn > kSetup ? (a.dyn - kSetup) / trip : 0, a.prints / trip, 0};
    forLoop(n, trip, perIteration, [&](VarId i) {
      bool printFirst = rng_.chance(75);
      auto printI = [&] {
        if (!opts_.prints || avail().prints < 1)
          return;
        Instr in;
        in.op = Opcode::Print;
        in.args = {i};
        if (rng_.chance(30))
          in.args.push_back(read(randomType()));
        emit(std::move(in));
        frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
      };
      if (rng_.chance(40))
        pureStatement();
      if (printFirst)
        printI();
      bool used = rng_.chance(50);
      if (kind == Div) {
        VarId d = op(Opcode::Sub, Type::intTy(), {k, i});
        VarId x = read(kInt);
        bool isNew = true;
        VarId q = used ? destFor(kInt, isNew) : newVar('v');
        op(Opcode::Div, Type::intTy(), {x, d}, q);
        if (used)
          finishDest(q, kInt, isNew);
      } else if (kind == Char) {
        VarId e = op(Opcode::Sub, Type::intTy(), {i, k});
        VarId cp = op(Opcode::Add, Type::intTy(), {e, intConst(0x110000)});
        bool isNew = true;
        VarId ch = used ? destFor(kChar, isNew) : newVar('v');
        op(Opcode::Int2Char, Type::charTy(), {cp}, ch);
        if (used)
          finishDest(ch, kChar, isNew);
      } else {
        VarId idx = modNonNeg(i, r->len);
        VarId hit = op(Opcode::Eq, Type::boolTy(), {i, k});
        BlockId out = newBlock("oob"), in = newBlock("in");
        branch(hit, out, in);
        startBlock(out);
        op(Opcode::Add, Type::intTy(), {idx, r->len}, idx);
        startBlock(in);
        VarId p = op(Opcode::PtrAdd, r->elem.pointerTo(), {r->ptr, idx});
        unsigned t = tyIndex(r->elem);
        bool isNew = true;
        VarId v = used ? destFor(t, isNew) : newVar('v');
        op(Opcode::Load, r->elem, {p}, v);
        if (used)
          finishDest(v, t, isNew);
      }
      if (!printFirst)
        printI();
    });
  };
  if (kind == Load && regions_.empty())
    return memoryScope(left, -1, [&](const Region &r) { emitLoop(&r); }) || true;
  Region outer = kind == Load ? regions_[rng_.below(regions_.size())] : Region{};
  emitLoop(kind == Load ? &outer : nullptr);
  return true;
}

// (c) A loop that never ends on some inputs, with nothing but pure work in
// it (so it prints nothing once it spins):
//   0: `.spin: j = add j one; c = lt a zero; br c .spin .after` (issue 11's);
//   1: `while (j < n) j += s`, with s = 0 when a rare trigger holds;
//   2: `while (j != n) j += 2`, with n odd when a rare trigger holds.
bool Builder::endlessLoop() {
  Cost av = avail();
  unsigned variant = unsigned(rng_.below(3));
  if (variant == 0) {
    VarId a = inputInt();
    VarId one = intConst(1);
    VarId j = konst(Type::intTy(), Literal::ofInt(0), newVar('j'));
    bool hoisted = rng_.chance(30);
    bool negative = rng_.chance(30);
    auto test = [&] {
      if (negative)
        return op(Opcode::Lt, Type::boolTy(), {a, intConst(0)});
      return rareTrigger(/*rarest=*/true);
    };
    VarId c = hoisted ? test() : kNoVar;
    BlockId spin = newBlock("spin"), after = newBlock("after");
    startBlock(spin);
    op(Opcode::Add, Type::intTy(), {j, one}, j);
    if (!hoisted)
      c = test();
    branch(c, spin, after);
    startBlock(after);
    return true;
  }
  uint64_t trip = uint64_t(rng_.range(2, 24));
  constexpr uint64_t kSetup = 40, kPerIteration = 50;
  if (av.dyn < kSetup + (trip + 1) * kPerIteration)
    return false;
  VarId trig = rareTrigger(/*rarest=*/rng_.chance(50));
  VarId step = konst(Type::intTy(), Literal::ofInt(variant == 1 ? 1 : 2), newVar('s'));
  VarId n;
  if (variant == 1) {
    n = boundedNonNeg(inputInt(), int64_t(trip) + 1); // n <= trip
  } else {
    VarId m = boundedNonNeg(inputInt(), int64_t(trip / 2) + 1);
    n = op(Opcode::Mul, Type::intTy(), {m, intConst(2)}); // even, n / 2 <= trip / 2
  }
  BlockId arm = newBlock("stall"), armed = newBlock("armed");
  branch(trig, arm, armed);
  startBlock(arm);
  if (variant == 1)
    konst(Type::intTy(), Literal::ofInt(0), step);
  else
    op(Opcode::Add, Type::intTy(), {n, intConst(1)}, n);
  startBlock(armed);
  VarId j = konst(Type::intTy(), Literal::ofInt(0), newVar('j'));
  BlockId head = newBlock("loop"), body = newBlock("body"), exit = newBlock("done");
  startBlock(head);
  pushFrame(Cost{(av.dyn - kSetup) / (trip + 1), 0, 0}, false);
  if (variant == 1) {
    VarId c = op(Opcode::Lt, Type::boolTy(), {j, n});
    branch(c, body, exit);
  } else {
    VarId c = op(Opcode::Eq, Type::boolTy(), {j, n});
    branch(c, exit, body);
  }
  startBlock(body);
  Scope scope = openScope();
  for (int64_t s = rng_.range(0, 3); s > 0; --s)
    pureStatement();
  closeScope(scope);
  op(Opcode::Add, Type::intTy(), {j, step}, j);
  jump(head);
  Cost iteration = popFrame();
  startBlock(exit);
  Cost total = iteration.times(trip + 1);
  total += Cost{2, 0, 0};
  charge(total);
  return true;
}

// (d) The program's own speculation, well formed: `speculate; pure work;
// guard c .recover; pure work; commit; jmp .join; .recover: pure work; .join:`.
// Variables first defined inside are not read after it (a failed guard
// forgets them). Sometimes ill formed at run time: on a rare trigger, a call
// (or a ret) inside the speculation, which brili rejects.
bool Builder::ownSpeculation() {
  if (avail().dyn < 160)
    return false;
  BlockId recover = newBlock("recover"), join = newBlock("speculated");
  Scope scope = openScope();
  effect(Opcode::Speculate, {});
  for (int64_t k = rng_.range(1, 4); k > 0; --k) {
    if (opts_.prints && avail().prints >= 1 && rng_.chance(8))
      print(); // not undone by a failed guard, in brili as here
    else
      pureStatement();
  }
  VarId g = condition();
  Instr guard;
  guard.op = Opcode::Guard;
  guard.args = {g};
  guard.labels = {recover};
  emit(std::move(guard));
  for (int64_t k = rng_.range(0, 2); k > 0; --k)
    pureStatement();
  if (rng_.chance(25)) {
    VarId c = rareTrigger();
    BlockId bad = newBlock("inspec"), ok = newBlock("stillspec");
    branch(c, bad, ok);
    startBlock(bad);
    Cost av = avail();
    const Callee *callee = nullptr;
    for (const Callee &cand : callees_)
      if (cand.ptrParam < 0 && cand.cost.dyn + kSimpleMax <= av.dyn &&
          cand.cost.prints <= av.prints)
        callee = &cand;
    if (callee && rng_.chance(75))
      call(*callee);
    else
      returnStatement();
    startBlock(ok);
  }
  effect(Opcode::Commit, {});
  jump(join);
  closeScope(scope);
  startBlock(recover);
  scope = openScope();
  for (int64_t k = rng_.range(0, 2); k > 0; --k)
    pureStatement();
  closeScope(scope);
  startBlock(join);
  return true;
}

// (e) A loop that runs 100 times or more on every input: counted (`i < n`,
// n in [T, T+31]) or uncounted (until a sum of data-dependent steps in [1, 5]
// reaches a limit), with a biased branch in its body and, with memory, a
// store into an array every iteration.
bool Builder::hotLoop(uint64_t left) {
  Cost av = avail();
  bool counted = rng_.chance(60);
  int64_t t0 = rng_.range(100, 160);
  uint64_t trip = counted ? uint64_t(t0 + 31) : uint64_t(t0 * 5);
  constexpr uint64_t kSetup = 60, kPerIteration = 45;
  bool store = opts_.memory && rng_.chance(60);
  uint64_t need = kSetup + trip * kPerIteration + (store && regions_.empty() ? 200 : 0);
  if (av.dyn < need)
    return false;
  auto emitLoop = [&](const Region *r) {
    Cost a = avail();
    Cost perIteration{a.dyn > kSetup ? (a.dyn - kSetup) / trip : 0, a.prints / trip, 0};
    if (counted) {
      VarId n = rng_.chance(40) ? intConst(t0)
                                : op(Opcode::Add, Type::intTy(),
                                     {boundedNonNeg(inputInt(), 32), intConst(t0)});
      forLoop(n, trip, perIteration, [&](VarId i) { hotLoopBody(i, r); });
      return;
    }
    // do { body; acc += (x mod 5) + 1; ++i } while (acc < 5 * t0): trip = 5 * t0
    bool negated = rng_.chance(50);
    untilLoop(5 * t0, perIteration, [&](VarId i) { hotLoopBody(i, r); }, 5, "hot", "cooled",
              negated);
  };
  if (store && regions_.empty())
    return memoryScope(left, -1, [&](const Region &r) { emitLoop(&r); }) || true;
  // A copy: the body may open regions of its own, which moves regions_.
  Region outer = store ? regions_[rng_.below(regions_.size())] : Region{};
  emitLoop(store ? &outer : nullptr);
  return true;
}

void Builder::hotLoopBody(VarId i, const Region *r) {
  if (r) {
    VarId idx = modNonNeg(i, r->len);
    VarId p = op(Opcode::PtrAdd, r->elem.pointerTo(), {r->ptr, idx});
    unsigned t = tyIndex(r->elem);
    VarId value = read(t);
    if (t == kInt && rng_.chance(50))
      value = op(Opcode::Add, Type::intTy(), {i, read(kInt)});
    effect(Opcode::Store, {p, value});
  }
  // A biased branch: rarely taken on any input.
  VarId c = biasedCond();
  BlockId rare = newBlock("rare"), common = newBlock("common"), join = newBlock("joined");
  branch(c, rare, common);
  startBlock(rare);
  Scope scope = openScope(); // what an arm defines is not defined after the join
  for (int64_t k = rng_.range(1, 2); k > 0; --k)
    pureStatement();
  closeScope(scope);
  jump(join);
  startBlock(common);
  scope = openScope();
  for (int64_t k = rng_.range(1, 2); k > 0; --k)
    pureStatement();
  closeScope(scope);
  startBlock(join);
  region(uint64_t(rng_.range(2, 10)));
}

// --- memory and loop shapes ---------------------------------------------------
// What the memory passes (redundant load elimination, store-to-load
// forwarding, load hoisting, scalar replacement) and the induction-variable
// passes (pointer IVs, LFTR, unrolled copies) work on, and the hazards they
// must keep: each loaded value reaches the output or a state variable, so a
// wrong forwarding shows.

// A value of type t to store: for ints mostly a fresh sum, so that different
// stores store different values.
VarId Builder::storable(unsigned t) {
  if (t == kInt && rng_.chance(60))
    return op(Opcode::Add, Type::intTy(), {read(kInt), intConst(rng_.range(1, 99))});
  return read(t);
}

// Makes a loaded value matter: printed, added into a state variable the rest
// of the function reads, or (rarely) dropped.
void Builder::observe(VarId v, unsigned t) {
  unsigned x = unsigned(rng_.below(100));
  if (x < 35 && opts_.prints && avail().prints >= 1) {
    effect(Opcode::Print, {v});
    frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
    return;
  }
  if (x < 92) {
    bool isNew;
    VarId d = destFor(t, isNew);
    if (t == kInt)
      op(Opcode::Add, Type::intTy(), {v, read(kInt)}, d);
    else
      op(Opcode::Id, typeOf(t), {v}, d);
    finishDest(d, t, isNew);
    return;
  }
  op(Opcode::Id, typeOf(t), {v});
}

// A length in [lo, hi]: the constant hi, or data reduced into the range.
VarId Builder::lengthIn(int64_t lo, int64_t hi) {
  if (lo == hi || rng_.chance(45))
    return intConst(hi);
  VarId m = boundedNonNeg(inputInt(), hi - lo + 1);
  return op(Opcode::Add, Type::intTy(), {m, intConst(lo)});
}

// `p = alloc len` and a loop storing into every cell; len is in [1, maxLen]
// on every run.
VarId Builder::allocFilled(VarId len, int64_t maxLen, unsigned t) {
  Type elem = typeOf(t);
  VarId ptr = op(Opcode::Alloc, elem.pointerTo(), {len}, newVar('p'));
  Cost a = avail();
  forLoop(len, uint64_t(maxLen), Cost{a.dyn / uint64_t(maxLen), 0, 0}, [&](VarId i) {
    VarId slot = op(Opcode::PtrAdd, elem.pointerTo(), {ptr, i});
    VarId value = t == kInt && rng_.chance(60)
                      ? op(Opcode::Add, Type::intTy(), {i, read(kInt)})
                      : read(t);
    effect(Opcode::Store, {slot, value});
  });
  return ptr;
}

// `do { body(i); acc += (x mod stepBound) + 1; ++i } while (acc < limit)`:
// an uncounted loop of at most `limit` trips, its blocks named `headName`
// and `exitName`. With `negatedExit` the loop leaves on `not (acc < limit)`
// and divides by limit - acc first (see the body).
void Builder::untilLoop(int64_t limit, Cost perIteration, const std::function<void(VarId)> &body,
                        int64_t stepBound, const char *headName, const char *exitName,
                        bool negatedExit) {
  VarId acc = konst(Type::intTy(), Literal::ofInt(0), newVar('a'));
  VarId i = konst(Type::intTy(), Literal::ofInt(0), newVar('i'));
  VarId one = intConst(1);
  VarId limitV = intConst(limit);
  define(i, kInt, false);
  BlockId head = newBlock(headName), exit = newBlock(exitName);
  startBlock(head);
  pushFrame(perIteration, false);
  loops_.push_back(Loop{exit, ownedRegions_});
  Scope scope = openScope();
  if (negatedExit) {
    // limit / (limit - acc): the divisor is at least 1 on every trip the
    // program runs, and may be 0 on the trip after the last (acc can meet
    // the limit exactly): code that runs a trip ahead of the exit test, as
    // a speculative chunk whose exit guards fail late does, must not trap.
    VarId gap = op(Opcode::Sub, Type::intTy(), {limitV, acc});
    VarId q = op(Opcode::Div, Type::intTy(), {limitV, gap});
    bool isNew;
    VarId d = destFor(kInt, isNew);
    op(Opcode::Add, Type::intTy(), {q, read(kInt)}, d);
    finishDest(d, kInt, isNew);
  }
  body(i);
  closeScope(scope);
  loops_.pop_back();
  VarId stepBase = boundedNonNeg(read(kInt), stepBound);
  VarId step = op(Opcode::Add, Type::intTy(), {stepBase, one});
  op(Opcode::Add, Type::intTy(), {acc, step}, acc);
  op(Opcode::Add, Type::intTy(), {i, one}, i);
  VarId c = op(Opcode::Lt, Type::boolTy(), {acc, limitV});
  if (negatedExit) // `not`: an exit guard with no inverse comparison
    branch(op(Opcode::Not, Type::boolTy(), {c}), exit, head);
  else
    branch(c, head, exit);
  Cost iteration = popFrame();
  startBlock(exit);
  charge(iteration.times(uint64_t(limit)));
}

// A biased branch whose rare arm stores into `r` (when given) or prints.
void Builder::biasedArms(const Region *r) {
  VarId c = biasedCond();
  BlockId rare = newBlock("rare"), common = newBlock("common"), join = newBlock("joined");
  branch(c, rare, common);
  startBlock(rare);
  Scope scope = openScope();
  pureStatement();
  if (r && rng_.chance(60)) {
    VarId idx = modNonNeg(read(kInt), r->len);
    VarId p = op(Opcode::PtrAdd, r->elem.pointerTo(), {r->ptr, idx});
    effect(Opcode::Store, {p, storable(tyIndex(r->elem))});
  } else if (opts_.prints && avail().prints >= 1) {
    print();
  }
  closeScope(scope);
  jump(join);
  startBlock(common);
  scope = openScope();
  for (int64_t k = rng_.range(1, 2); k > 0; --k)
    pureStatement();
  closeScope(scope);
  startBlock(join);
}

// (f) Memory errors on a rare input, the allocation clean otherwise:
//   0: a load of a cell stored only when the trigger does not hold (or of a
//      cell never stored, chosen on the trigger);
//   1: a cell left out of the filling loop on the trigger, loaded after it;
//   2: a load or store at an offset pushed out of bounds (len, -1, idx+len);
//   3: use after free: `free p` on the trigger between a store and a load
//      (or store) through an alias;
//   4: double free through an alias, or a free at a non-zero offset;
//   5: a leak: the free skipped on the trigger (the error comes at exit).
bool Builder::memoryHazard() {
  if (avail().dyn < 220)
    return false;
  unsigned variant = unsigned(rng_.below(6));
  unsigned t = memoryType();
  Type elem = typeOf(t), ptrTy = elem.pointerTo();
  int64_t maxLen = rng_.range(2, 8);
  VarId len = lengthIn(2, maxLen);
  VarId trig = rareTrigger(/*rarest=*/!loops_.empty() || rng_.chance(40));
  auto alias = [&](VarId p) {
    if (rng_.chance(40))
      return op(Opcode::Id, ptrTy, {p});
    int64_t k = rng_.range(-3, 3);
    VarId there = op(Opcode::PtrAdd, ptrTy, {p, intConst(k)});
    return op(Opcode::PtrAdd, ptrTy, {there, intConst(-k)});
  };
  VarId p;
  if (variant == 0) {
    p = op(Opcode::Alloc, ptrTy, {len}, newVar('p'));
    VarId a0 = op(Opcode::PtrAdd, ptrTy, {p, intConst(0)});
    effect(Opcode::Store, {a0, storable(t)});
    VarId a1 = op(Opcode::PtrAdd, ptrTy, {p, intConst(1)});
    BlockId arm = newBlock("arm"), armed = newBlock("armed");
    VarId target = a1;
    if (rng_.chance(50)) { // the store of cell 1 is skipped on the trigger
      branch(trig, armed, arm);
      startBlock(arm);
      effect(Opcode::Store, {a1, storable(t)});
    } else { // cell 1 is never stored; the trigger selects it
      VarId idx = konst(Type::intTy(), Literal::ofInt(0), newVar('x'));
      branch(trig, arm, armed);
      startBlock(arm);
      konst(Type::intTy(), Literal::ofInt(1), idx);
      startBlock(armed);
      target = op(Opcode::PtrAdd, ptrTy, {p, idx});
      armed = kNoBlock;
    }
    if (armed != kNoBlock)
      startBlock(armed);
    if (rng_.chance(40))
      pureStatement();
    observe(op(Opcode::Load, elem, {target}), t);
  } else if (variant == 1) {
    p = op(Opcode::Alloc, ptrTy, {len}, newVar('p'));
    VarId n = op(Opcode::Id, Type::intTy(), {len}, newVar('n'));
    BlockId arm = newBlock("arm"), armed = newBlock("armed");
    branch(trig, arm, armed);
    startBlock(arm);
    op(Opcode::Sub, Type::intTy(), {len, intConst(1)}, n);
    startBlock(armed);
    Cost a = avail();
    forLoop(n, uint64_t(maxLen), Cost{a.dyn / uint64_t(maxLen), 0, 0}, [&](VarId i) {
      VarId slot = op(Opcode::PtrAdd, ptrTy, {p, i});
      effect(Opcode::Store, {slot, storable(t)});
    });
    VarId last = op(Opcode::Sub, Type::intTy(), {len, intConst(1)});
    observe(op(Opcode::Load, elem, {op(Opcode::PtrAdd, ptrTy, {p, last})}), t);
  } else {
    p = allocFilled(len, maxLen, t);
  }
  if (variant == 2) {
    VarId off = modNonNeg(read(kInt), len);
    BlockId arm = newBlock("arm"), armed = newBlock("armed");
    branch(trig, arm, armed);
    startBlock(arm);
    unsigned how = unsigned(rng_.below(3));
    if (how == 0)
      op(Opcode::Id, Type::intTy(), {len}, off);
    else if (how == 1)
      konst(Type::intTy(), Literal::ofInt(-1), off);
    else
      op(Opcode::Add, Type::intTy(), {off, len}, off);
    startBlock(armed);
    VarId at = op(Opcode::PtrAdd, ptrTy, {p, off});
    if (rng_.chance(60))
      observe(op(Opcode::Load, elem, {at}), t);
    else
      effect(Opcode::Store, {at, storable(t)});
  }
  if (variant == 3) {
    VarId q = alias(p);
    VarId at = op(Opcode::PtrAdd, ptrTy, {q, modNonNeg(read(kInt), len)});
    // Mostly a store just before: forwarding it past the free loses the error.
    if (rng_.chance(60))
      effect(Opcode::Store, {at, storable(t)});
    BlockId early = newBlock("early"), cont = newBlock("cont");
    branch(trig, early, cont);
    startBlock(early);
    effect(Opcode::Free, {p});
    startBlock(cont);
    if (rng_.chance(70))
      observe(op(Opcode::Load, elem, {at}), t);
    else
      effect(Opcode::Store, {at, storable(t)});
    BlockId late = newBlock("late"), done = newBlock("freed");
    branch(trig, done, late);
    startBlock(late);
    effect(Opcode::Free, {p});
    startBlock(done);
    return true;
  }
  if (variant == 4) {
    VarId q = alias(p);
    observe(op(Opcode::Load, elem, {q}), t);
    if (rng_.chance(60)) {
      effect(Opcode::Free, {p});
      BlockId again = newBlock("again"), done = newBlock("freed");
      branch(trig, again, done);
      startBlock(again);
      effect(Opcode::Free, {q});
      startBlock(done);
    } else {
      BlockId bad = newBlock("offset"), good = newBlock("whole"), done = newBlock("freed");
      branch(trig, bad, good);
      startBlock(bad);
      effect(Opcode::Free, {op(Opcode::PtrAdd, ptrTy, {q, intConst(1)})});
      jump(done);
      startBlock(good);
      effect(Opcode::Free, {p});
      startBlock(done);
    }
    return true;
  }
  if (variant == 5) {
    if (rng_.chance(50))
      observe(op(Opcode::Load, elem, {op(Opcode::PtrAdd, ptrTy, {p, modNonNeg(read(kInt), len)})}),
              t);
    BlockId release = newBlock("release"), done = newBlock("kept");
    branch(trig, done, release);
    startBlock(release);
    effect(Opcode::Free, {p});
    startBlock(done);
    return true;
  }
  effect(Opcode::Free, {p});
  return true;
}

// (g) Aliasing, safe on every input: loads after stores through other
// pointers to the same cells, in one of
//   0: a small constant-size alloc reached only at constant offsets (what
//      scalar replacement takes), stores in branch arms;
//   1: one alloc (or a region in scope, a pointer parameter too) reached
//      through pointers derived differently, at constant and data offsets;
//   2: a pointer that is one of two allocs depending on a condition;
//   3: the pointer stored in memory (it escapes), loaded back and stored
//      through;
//   4: a helper that takes the pointer and may store through it, between a
//      store and a load of the same cell.
bool Builder::aliasing() {
  if (avail().dyn < 260)
    return false;
  unsigned variant = unsigned(rng_.below(5));
  if (variant == 4 && aliasCall())
    return true;
  unsigned t = memoryType();
  Type elem = typeOf(t), ptrTy = elem.pointerTo();
  if (variant == 0) {
    int64_t n = rng_.range(1, 4);
    VarId p = op(Opcode::Alloc, ptrTy, {intConst(n)}, newVar('p'));
    std::vector<VarId> cells;
    for (int64_t k = 0; k < n; ++k) {
      cells.push_back(op(Opcode::PtrAdd, ptrTy, {p, intConst(k)}));
      effect(Opcode::Store, {cells.back(), storable(t)});
    }
    auto cell = [&] {
      size_t k = size_t(rng_.below(size_t(n)));
      return rng_.chance(50) ? cells[k] : op(Opcode::PtrAdd, ptrTy, {p, intConst(int64_t(k))});
    };
    for (int64_t steps = rng_.range(3, 8); steps > 0; --steps) {
      unsigned x = unsigned(rng_.below(100));
      if (x < 30) {
        effect(Opcode::Store, {cell(), storable(t)});
      } else if (x < 65) {
        observe(op(Opcode::Load, elem, {cell()}), t);
      } else if (x < 85) {
        VarId c = condition();
        BlockId arm = newBlock("then"), join = newBlock("endif");
        branch(c, arm, join);
        startBlock(arm);
        Scope scope = openScope();
        effect(Opcode::Store, {cell(), storable(t)});
        closeScope(scope);
        startBlock(join);
      } else {
        pureStatement();
      }
    }
    effect(Opcode::Free, {p});
    return true;
  }
  if (variant == 1) {
    // An existing region (fully initialised, length in [1, 16]) or a new one.
    bool own = regions_.empty() || rng_.chance(60);
    Region r;
    int64_t minLen = 1;
    if (own) {
      int64_t maxLen = rng_.range(2, 8);
      minLen = rng_.chance(50) ? maxLen : 2;
      VarId len = lengthIn(minLen, maxLen);
      r = Region{allocFilled(len, maxLen, t), elem, len};
    } else {
      r = regions_[rng_.below(regions_.size())];
      t = tyIndex(r.elem);
      elem = r.elem;
      ptrTy = elem.pointerTo();
    }
    // Pointers to cell k derived two ways, and one at a data offset.
    int64_t k = rng_.range(0, minLen - 1);
    int64_t detour = rng_.range(-2, 3);
    std::vector<VarId> ptrs;
    ptrs.push_back(op(Opcode::PtrAdd, ptrTy, {r.ptr, intConst(k)}));
    VarId mid = op(Opcode::PtrAdd, ptrTy, {r.ptr, intConst(detour)});
    ptrs.push_back(op(Opcode::PtrAdd, ptrTy, {mid, intConst(k - detour)}));
    ptrs.push_back(op(Opcode::PtrAdd, ptrTy, {r.ptr, modNonNeg(read(kInt), r.len)}));
    if (k == 0)
      ptrs.push_back(r.ptr);
    for (int64_t steps = rng_.range(3, 8); steps > 0; --steps) {
      VarId a = ptrs[rng_.below(ptrs.size())], b = ptrs[rng_.below(ptrs.size())];
      unsigned x = unsigned(rng_.below(100));
      if (x < 35) { // store, then load through another pointer
        effect(Opcode::Store, {a, storable(t)});
        observe(op(Opcode::Load, elem, {b}), t);
      } else if (x < 60) { // two loads, a store through another pointer between
        VarId v = op(Opcode::Load, elem, {a});
        if (rng_.chance(60))
          effect(Opcode::Store, {b, storable(t)});
        VarId w = op(Opcode::Load, elem, {a});
        observe(v, t);
        observe(w, t);
      } else if (x < 80) {
        effect(Opcode::Store, {a, storable(t)});
      } else {
        observe(op(Opcode::Load, elem, {a}), t);
      }
    }
    if (own)
      effect(Opcode::Free, {r.ptr});
    return true;
  }
  int64_t maxLen = rng_.range(1, 6);
  VarId len = lengthIn(1, maxLen);
  VarId p = allocFilled(len, maxLen, t);
  if (variant == 2) {
    int64_t maxLen2 = rng_.range(1, 6);
    VarId q = allocFilled(lengthIn(1, maxLen2), maxLen2, t);
    VarId sel = op(Opcode::Id, ptrTy, {p}, newVar('r'));
    VarId c = condition();
    BlockId other = newBlock("other"), join = newBlock("chosen");
    branch(c, other, join);
    startBlock(other);
    op(Opcode::Id, ptrTy, {q}, sel);
    startBlock(join);
    VarId before = op(Opcode::Load, elem, {p});
    effect(Opcode::Store, {sel, storable(t)});
    observe(op(Opcode::Load, elem, {p}), t);
    observe(op(Opcode::Load, elem, {q}), t);
    observe(before, t);
    effect(Opcode::Free, {q});
  } else {
    // Escapes through memory.
    VarId box = op(Opcode::Alloc, ptrTy.pointerTo(), {intConst(1)}, newVar('b'));
    effect(Opcode::Store, {box, p});
    VarId at = op(Opcode::PtrAdd, ptrTy, {p, intConst(0)});
    VarId v = op(Opcode::Load, elem, {at});
    if (rng_.chance(40))
      pureStatement();
    VarId back = op(Opcode::Load, ptrTy, {box});
    VarId there = op(Opcode::PtrAdd, ptrTy, {back, intConst(0)});
    effect(Opcode::Store, {there, storable(t)});
    observe(op(Opcode::Load, elem, {at}), t);
    observe(v, t);
    effect(Opcode::Free, {box});
  }
  effect(Opcode::Free, {p});
  return true;
}

// (g4) `store p[k] v; call f(p, len); load p[k]`: f may store through p.
bool Builder::aliasCall() {
  Cost av = avail();
  std::vector<const Callee *> fit;
  for (const Callee &c : callees_)
    if (c.ptrParam >= 0 && c.cost.dyn + 200 <= av.dyn && c.cost.prints + 2 <= av.prints)
      fit.push_back(&c);
  if (fit.empty())
    return false;
  const Callee &callee = *fit[rng_.below(fit.size())];
  Type elem = callee.params[size_t(callee.ptrParam)].pointee();
  unsigned t = tyIndex(elem);
  int64_t maxLen = rng_.range(1, 8);
  VarId len = lengthIn(1, maxLen);
  Region r{allocFilled(len, maxLen, t), elem, len};
  VarId at = op(Opcode::PtrAdd, elem.pointerTo(), {r.ptr, modNonNeg(read(kInt), len)});
  effect(Opcode::Store, {at, storable(t)});
  VarId before = op(Opcode::Load, elem, {r.ptr});
  call(callee, &r);
  observe(op(Opcode::Load, elem, {at}), t);
  observe(op(Opcode::Load, elem, {r.ptr}), t);
  observe(before, t);
  effect(Opcode::Free, {r.ptr});
  return true;
}

// (h) Arrays walked by loops, safe unless noted:
//   0: filled and summed by pointer induction variables (`q = ptradd q s`,
//      forwards, backwards or by two), the summing loop one trip too long on
//      a rare input (out of bounds at its last trip, after its prints);
//   1: a matrix indexed `r * cols + c` in a loop nest, read row by row
//      (one column too many on a rare input: only the last row leaves the
//      array) or column by column;
//   2: a load of a loop-invariant cell, with stores into other cells, into
//      a data-chosen cell on a biased branch, or into the cell itself;
//   3: neighbouring cells `p[i]`, `p[i+1]` (what unrolled copies turn into
//      constant offsets).
bool Builder::pointerLoop() {
  Cost av = avail();
  unsigned variant = unsigned(rng_.below(4));
  VarId one = intConst(1);
  Type ptrTy = Type::intTy().pointerTo();
  if (variant == 0) {
    int64_t maxN = rng_.range(4, 48);
    if (av.dyn < uint64_t(400 + 30 * maxN))
      return false;
    int stride = rng_.chance(60) ? 1 : rng_.chance(50) ? -1 : 2;
    VarId n = lengthIn(1, maxN);
    VarId cells = stride == 2 ? op(Opcode::Mul, Type::intTy(), {n, intConst(2)}) : n;
    VarId p = op(Opcode::Alloc, ptrTy, {cells}, newVar('p'));
    VarId step = intConst(stride);
    auto start = [&] {
      VarId q = newVar('w');
      if (stride == -1)
        op(Opcode::PtrAdd, ptrTy, {p, op(Opcode::Sub, Type::intTy(), {cells, one})}, q);
      else
        op(Opcode::Id, ptrTy, {p}, q);
      return q;
    };
    VarId q = start();
    VarId scale = intConst(rng_.range(-5, 9));
    forLoop(n, uint64_t(maxN), Cost{av.dyn / uint64_t(4 * maxN), 0, 0}, [&](VarId i) {
      VarId v = op(Opcode::Mul, Type::intTy(), {i, scale});
      if (stride == 2) // the odd cells too
        effect(Opcode::Store, {op(Opcode::PtrAdd, ptrTy, {q, one}), v});
      effect(Opcode::Store, {q, op(Opcode::Add, Type::intTy(), {v, read(kInt)})});
      op(Opcode::PtrAdd, ptrTy, {q, step}, q);
    });
    VarId m = n;
    bool offByOne = stride != 2 && rng_.chance(30);
    if (offByOne) {
      m = op(Opcode::Id, Type::intTy(), {n}, newVar('n'));
      VarId trig = rareTrigger(/*rarest=*/!loops_.empty());
      BlockId arm = newBlock("arm"), armed = newBlock("armed");
      branch(trig, arm, armed);
      startBlock(arm);
      op(Opcode::Add, Type::intTy(), {n, one}, m);
      startBlock(armed);
    }
    VarId sum = konst(Type::intTy(), Literal::ofInt(0), newVar('s'));
    VarId r = start();
    uint64_t trips = uint64_t(maxN) + (offByOne ? 1 : 0);
    bool printing = opts_.prints && avail().prints >= trips + 1 && rng_.chance(50);
    forLoop(m, trips, Cost{av.dyn / uint64_t(4 * maxN), printing ? 1u : 0u, 0}, [&](VarId i) {
      VarId v = op(Opcode::Load, Type::intTy(), {r});
      op(Opcode::Add, Type::intTy(), {sum, v}, sum);
      if (printing) {
        effect(Opcode::Print, {i, sum});
        frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
      }
      op(Opcode::PtrAdd, ptrTy, {r, step}, r);
    });
    observe(sum, kInt);
    effect(Opcode::Free, {p});
    return true;
  }
  if (variant == 1) {
    int64_t rows = rng_.range(2, 10), cols = rng_.range(2, 10);
    if (av.dyn < uint64_t(600 + 40 * rows * (cols + 1)))
      return false;
    VarId rowsV = lengthIn(1, rows);
    VarId colsV = lengthIn(1, cols);
    VarId m = op(Opcode::Alloc, ptrTy, {op(Opcode::Mul, Type::intTy(), {rowsV, colsV})},
                 newVar('m'));
    VarId scale = intConst(rng_.range(2, 11));
    Cost per{av.dyn / uint64_t(4 * rows), 0, 0};
    forLoop(rowsV, uint64_t(rows), per, [&](VarId r) {
      VarId base = op(Opcode::Mul, Type::intTy(), {r, colsV});
      forLoop(colsV, uint64_t(cols), Cost{per.dyn / uint64_t(cols), 0, 0}, [&](VarId c) {
        VarId idx = op(Opcode::Add, Type::intTy(), {base, c});
        VarId v = op(Opcode::Add, Type::intTy(), {r, op(Opcode::Mul, Type::intTy(), {c, scale})});
        effect(Opcode::Store, {op(Opcode::PtrAdd, ptrTy, {m, idx}), v});
      });
    });
    VarId sum = konst(Type::intTy(), Literal::ofInt(0), newVar('s'));
    bool byRow = rng_.chance(60);
    bool offByOne = byRow && rng_.chance(30);
    VarId innerN = colsV;
    if (offByOne) {
      innerN = op(Opcode::Id, Type::intTy(), {colsV}, newVar('n'));
      VarId trig = rareTrigger(/*rarest=*/!loops_.empty());
      BlockId arm = newBlock("arm"), armed = newBlock("armed");
      branch(trig, arm, armed);
      startBlock(arm);
      op(Opcode::Add, Type::intTy(), {colsV, one}, innerN);
      startBlock(armed);
    }
    VarId outerN = byRow ? rowsV : colsV, inner = byRow ? innerN : rowsV;
    uint64_t outerTrip = uint64_t(byRow ? rows : cols);
    uint64_t innerTrip = uint64_t(byRow ? cols + (offByOne ? 1 : 0) : rows);
    Cost a = avail();
    Cost outerPer{a.dyn / (2 * outerTrip), a.prints / outerTrip, 0};
    forLoop(outerN, outerTrip, outerPer, [&](VarId x) {
      forLoop(inner, innerTrip, Cost{outerPer.dyn / innerTrip, 0, 0}, [&](VarId y) {
        VarId r = byRow ? x : y, c = byRow ? y : x;
        VarId idx = op(Opcode::Add, Type::intTy(), {op(Opcode::Mul, Type::intTy(), {r, colsV}), c});
        VarId v = op(Opcode::Load, Type::intTy(), {op(Opcode::PtrAdd, ptrTy, {m, idx})});
        op(Opcode::Add, Type::intTy(), {sum, v}, sum);
        if (rng_.chance(40))
          biasedArms(nullptr);
      });
      if (opts_.prints && avail().prints >= 1 && rng_.chance(30)) {
        effect(Opcode::Print, {x, sum});
        frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
      }
    });
    observe(sum, kInt);
    effect(Opcode::Free, {m});
    return true;
  }
  int64_t maxLen = rng_.range(2, 8);
  bool hot = rng_.chance(20);
  int64_t trip = hot ? rng_.range(100, 150) : rng_.range(4, 40);
  if (av.dyn < uint64_t(300 + 10 * maxLen + 40 * trip))
    return false;
  VarId len = lengthIn(2, maxLen);
  VarId p = allocFilled(len, maxLen, kInt);
  if (variant == 2) {
    VarId k = rng_.chance(50) ? intConst(rng_.range(0, 1)) : modNonNeg(read(kInt), len);
    VarId at = op(Opcode::PtrAdd, ptrTy, {p, k});
    VarId n = rng_.chance(50) ? intConst(trip) : boundedNonNeg(inputInt(), trip + 1);
    VarId sum = konst(Type::intTy(), Literal::ofInt(0), newVar('s'));
    unsigned kill = unsigned(rng_.below(4)); // 0: none; 1: other cell; 2: rare; 3: itself
    VarId other = kill == 1 ? op(Opcode::PtrAdd, ptrTy, {p, modNonNeg(read(kInt), len)}) : kNoVar;
    Region r{p, Type::intTy(), len};
    Cost a = avail();
    // With kill 3, and with kill 0 on odd trip counts, the loop updates the
    // cell itself, an accumulator in memory (transforms/memory/
    // LoopCellPromotion.h), in one of three ways chosen by the trip count
    // (no draw, so the random stream of every seed stays as it was): every
    // iteration after its load (kill 3 only); after a store before the loop,
    // only when the loaded value is below i; or stored before it is loaded,
    // each iteration.
    unsigned update = kill == 3                   ? unsigned(trip % 3)
                      : kill == 0 && trip % 2 == 1 ? unsigned(1 + (trip / 2) % 2)
                                                   : 0;
    if (update == 1)
      effect(Opcode::Store, {at, sum});
    forLoop(n, uint64_t(trip), Cost{a.dyn / uint64_t(2 * trip), 0, 0}, [&](VarId i) {
      if (update == 2)
        effect(Opcode::Store, {at, op(Opcode::Sub, Type::intTy(), {sum, i})});
      VarId v = op(Opcode::Load, Type::intTy(), {at});
      op(rng_.chance(70) ? Opcode::Add : Opcode::Sub, Type::intTy(), {sum, v}, sum);
      if (kill == 1) {
        effect(Opcode::Store, {other, op(Opcode::Add, Type::intTy(), {i, v})});
      } else if (kill == 2) {
        biasedArms(&r);
      } else if (update == 1) {
        BlockId bump = newBlock("bump"), kept = newBlock("kept");
        branch(op(Opcode::Lt, Type::boolTy(), {v, i}), bump, kept);
        startBlock(bump);
        effect(Opcode::Store, {at, op(Opcode::Add, Type::intTy(), {v, i})});
        startBlock(kept);
      } else if (kill == 3) {
        effect(Opcode::Store, {at, op(Opcode::Add, Type::intTy(), {v, one})});
      }
      if (rng_.chance(30))
        pureStatement();
    });
    observe(sum, kInt);
    observe(op(Opcode::Load, Type::intTy(), {at}), kInt);
  } else {
    // p[i+1] = p[i] + p[i+1] (or p[i] + p[i+2]) for i + gap < len.
    int64_t gap = maxLen >= 3 && rng_.chance(30) ? 2 : 1;
    VarId lim = op(Opcode::Sub, Type::intTy(), {len, intConst(gap)});
    Cost a = avail();
    forLoop(lim, uint64_t(maxLen), Cost{a.dyn / uint64_t(2 * maxLen), 0, 0}, [&](VarId i) {
      VarId a0 = op(Opcode::PtrAdd, ptrTy, {p, i});
      VarId a1 = op(Opcode::PtrAdd, ptrTy, {p, op(Opcode::Add, Type::intTy(), {i, intConst(gap)})});
      VarId x = op(Opcode::Load, Type::intTy(), {a0});
      VarId y = op(Opcode::Load, Type::intTy(), {a1});
      effect(Opcode::Store, {a1, op(Opcode::Add, Type::intTy(), {x, y})});
    });
    VarId last = op(Opcode::Sub, Type::intTy(), {len, one});
    observe(op(Opcode::Load, Type::intTy(), {op(Opcode::PtrAdd, ptrTy, {p, last})}), kInt);
  }
  effect(Opcode::Free, {p});
  return true;
}

// (i) A nest of two or three loops, each counted (`i < n`, n constant or
// data) or uncounted (until a sum of data steps reaches a limit), with a
// store into an array (`i * K + j` modulo its length), a biased branch and
// generated statements in the innermost body, and a load between the inner
// loops. 100-1,700 inner trips when every loop runs to its bound: hot
// enough to form superblocks.
// (j) `br (lt A B) .then .else` on two constants: the optimizer folds it and
// deletes the dead arm, so the join is entered from the live arm only. The
// live arm ends in a do-while loop of two or three trips (its head entered by
// falling through, its exit taken often enough to grow a trace along) and is
// laid out after the join, as simplify-cfg leaves it when the dead arm falls
// into the join: dead arm, join (a print, then a jump past the live arm),
// live arm (its loop exits back to the join), then a counted loop that
// prints. A trace from the do-while's head through the join into the loop
// gets a guard (the loop's first test) whose recovery piece is all that is
// left of the join, a block chain of its own (fuzz seed 92198 lost the
// do-while's prints when the splice put that piece in front of the loop).
bool Builder::foldedArms() {
  Cost av = avail();
  const uint64_t doTrip = uint64_t(rng_.range(2, 3));
  uint64_t afterTrip = uint64_t(rng_.range(3, 40));
  constexpr uint64_t kSetup = 40, kDoIteration = 12, kAfterIteration = 8;
  if (av.prints < doTrip + 4)
    return false;
  afterTrip = std::min(afterTrip, av.prints - doTrip - 1); // the prints it may still make
  if (av.dyn < kSetup + doTrip * kDoIteration + (afterTrip + 1) * kAfterIteration + kSimpleMax)
    return false;
  int64_t a = rng_.range(-4, 4), b = rng_.range(-4, 4);
  VarId c = op(Opcode::Lt, Type::boolTy(), {intConst(a), intConst(b)});
  const bool thenLives = a < b;
  BlockId thenBlock = newBlock("then"), elseBlock = newBlock("else"), join = newBlock("endif"),
          rest = newBlock("rest");
  const BlockId live = thenLives ? thenBlock : elseBlock, dead = thenLives ? elseBlock : thenBlock;
  branch(c, thenBlock, elseBlock);
  startBlock(dead); // falls through into the join
  Scope scope = openScope();
  pureStatement();
  closeScope(scope);
  startBlock(join); // defines nothing the live arm before it could read
  effect(Opcode::Print, {read(randomType())});
  frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
  VarId n = boundedNonNeg(inputInt(), int64_t(afterTrip) + 1); // n <= afterTrip
  jump(rest);
  startBlock(live);
  scope = openScope();
  // last in [1, doTrip - 1] from the input (`1 + x mod 1` for two trips, 1
  // but nothing folds it): the body runs last + 1 times, at least twice, so
  // that the head is hotter than the arm before it and seeds the trace.
  VarId last = op(Opcode::Add, Type::intTy(),
                  {boundedNonNeg(inputInt(), int64_t(doTrip) - 1), intConst(1)});
  VarId i = konst(Type::intTy(), Literal::ofInt(0), newVar('i'));
  VarId one = intConst(1);
  BlockId head = newBlock("do");
  startBlock(head);
  pushFrame(Cost{kDoIteration, 1, 0}, false);
  effect(Opcode::Print, {read(randomType())});
  frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
  if (rng_.chance(75)) { // `until i == last`: the exit is the branch's first label, which
                         // a trace follows when the two edges are equally likely
    VarId done = op(Opcode::Eq, Type::boolTy(), {i, last});
    op(Opcode::Add, Type::intTy(), {i, one}, i);
    branch(done, join, head);
  } else {
    op(Opcode::Add, Type::intTy(), {i, one}, i);
    VarId more = op(Opcode::Le, Type::boolTy(), {i, last});
    branch(more, head, join);
  }
  Cost iteration = popFrame();
  closeScope(scope);
  charge(iteration.times(doTrip));
  startBlock(rest);
  forLoop(n, afterTrip, Cost{kAfterIteration, 1, 0}, [&](VarId k) {
    effect(Opcode::Print, {rng_.chance(50) ? k : read(kInt)});
    frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
  });
  return true;
}

// One block of 100-200 statements over three int variables of its own,
// started from inputs: copies, sums and differences that redefine them again
// and again (a copy's source often redefined while the copy is still read),
// then one print of all three. Out of SSA every version competes for its
// variable's name, in a block long enough that from-ssa indexes its live
// ranges: coalescing was quadratic in such a block before it did.
bool Builder::longLine() {
  const uint64_t length = uint64_t(rng_.range(100, 200));
  Cost av = avail();
  if (av.dyn < 2 * length + 6 + kSimpleMax || av.prints < 1)
    return false;
  VarId vars[3];
  for (VarId &v : vars)
    v = op(Opcode::Id, Type::intTy(), {inputInt()}, newVar('l'));
  // Operands of two different variables and constants other than 0, so
  // that the optimizer folds little and the line stays longer than the 64
  // definitions from-ssa indexes.
  for (uint64_t k = 0; k < length; ++k) {
    unsigned i = unsigned(rng_.below(3)), j = (i + 1 + unsigned(rng_.below(2))) % 3;
    VarId to = vars[rng_.below(3)], a = vars[i], b = vars[j];
    switch (rng_.below(4)) {
    case 0: op(Opcode::Id, Type::intTy(), {a}, to); break;
    case 1: op(Opcode::Add, Type::intTy(), {a, b}, to); break;
    case 2: op(Opcode::Sub, Type::intTy(), {a, b}, to); break;
    default: {
      int64_t c = rng_.range(1, 50);
      op(Opcode::Add, Type::intTy(), {a, intConst(rng_.chance(50) ? c : -c)}, to);
    }
    }
  }
  effect(Opcode::Print, {vars[0], vars[1], vars[2]});
  frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
  return true;
}

bool Builder::loopNest() {
  Cost av = avail();
  unsigned depth = loops_.empty() && rng_.chance(25) ? 3 : 2;
  std::vector<int64_t> trips;
  uint64_t total = 1;
  for (unsigned d = 0; d < depth; ++d) {
    trips.push_back(depth == 3 ? rng_.range(4, 12) : rng_.range(10, 24));
    total *= uint64_t(trips.back());
  }
  constexpr uint64_t kPerInner = 60;
  bool store = opts_.memory && rng_.chance(75);
  if (av.dyn < 400 + total * kPerInner + (store ? 200 : 0))
    return false;
  Region r{};
  if (store) {
    int64_t maxLen = rng_.range(4, 16);
    VarId len = lengthIn(1, maxLen);
    r = Region{allocFilled(len, maxLen, kInt), Type::intTy(), len};
    regions_.push_back(r);
    ++ownedRegions_;
  }
  VarId scale = intConst(trips.back());
  std::function<void(unsigned, VarId)> level = [&](unsigned d, VarId outer) {
    Cost a = avail();
    uint64_t trip = uint64_t(trips[d]);
    Cost per{a.dyn / trip, a.prints / trip, 0};
    auto body = [&](VarId i) {
      // Row-major position: outer * K + i.
      VarId pos = outer == kNoVar ? i
                                  : op(Opcode::Add, Type::intTy(),
                                       {op(Opcode::Mul, Type::intTy(), {outer, scale}), i});
      if (d + 1 < depth) {
        level(d + 1, pos);
        if (store && rng_.chance(60))
          observe(op(Opcode::Load, Type::intTy(),
                     {op(Opcode::PtrAdd, r.elem.pointerTo(), {r.ptr, modNonNeg(pos, r.len)})}),
                  kInt);
        else
          pureStatement();
        return;
      }
      if (store) {
        VarId at = op(Opcode::PtrAdd, r.elem.pointerTo(), {r.ptr, modNonNeg(pos, r.len)});
        VarId v = op(Opcode::Add, Type::intTy(), {pos, read(kInt)});
        effect(Opcode::Store, {at, v});
      }
      biasedArms(store ? &r : nullptr);
      region(uint64_t(rng_.range(2, 8)));
    };
    if (rng_.chance(60)) {
      VarId n = rng_.chance(50) ? intConst(int64_t(trip))
                                : boundedNonNeg(inputInt(), int64_t(trip) + 1);
      forLoop(n, trip, per, body);
    } else {
      untilLoop(int64_t(trip), per, body);
    }
  };
  level(0, kNoVar);
  if (store) {
    --ownedRegions_;
    regions_.pop_back();
    effect(Opcode::Free, {r.ptr});
  }
  return true;
}

Function Builder::run() {
  fn_.name = plan_.name;
  fn_.returnType = plan_.ret;
  for (size_t p = 0; p < plan_.params.size(); ++p) {
    Type t = plan_.params[p];
    VarId v = newVar(t.isPtr() ? 'q' : 'a');
    fn_.params.push_back(Param{v, t});
  }
  // Parameters: the depth, pointer and length are read-only; the others are
  // ordinary variables.
  for (size_t p = 0; p < plan_.params.size(); ++p) {
    VarId v = fn_.params[p].var;
    Type t = plan_.params[p];
    if (int(p) == plan_.ptrParam) {
      regions_.push_back(Region{v, t.pointee(), fn_.params[p + 1].var});
    } else if (int(p) == plan_.ptrParam + 1 && plan_.ptrParam >= 0) {
      define(v, kInt, false);
    } else {
      bool depth = plan_.kind == FunctionKind::Recursive && p == 0;
      define(v, tyIndex(t), !depth);
    }
  }
  pending_ = plan_.planned;
  for (size_t idx : pending_)
    reserved_ += callees_[idx].cost;

  BlockId entry = fn_.addBlock();
  startBlock(entry);
  pushFrame(plan_.budget, true);
  if (plan_.kind == FunctionKind::Plain && opts_.undefinedReads && rng_.chance(15)) {
    // Defined unless a condition on the parameters holds; read at the end.
    // Called in a loop, an inliner that renames it into a caller variable
    // would read the previous call's value instead of failing.
    // Helpers are often called in loops with the counter as an argument,
    // which would meet a single rare trigger soon: two must hold.
    VarId c = op(Opcode::And, Type::boolTy(),
                 {rareTrigger(/*rarest=*/true), rng_.chance(80) ? rareTrigger() : condition()});
    BlockId def = newBlock("def"), join = newBlock("maybe");
    branch(c, join, def);
    startBlock(def);
    maybeUndefined_ = op(Opcode::Add, Type::intTy(), {read(kInt), read(kInt)}, newVar('u'));
    startBlock(join);
    self_.readsMaybeUndefined = true;
    countShape("undefined-reads");
  }
  initialiseState();

  if (plan_.kind != FunctionKind::Recursive) {
    region(plan_.staticTarget > static_ ? plan_.staticTarget - static_ : 1);
    while (!pending_.empty())
      placePlanned();
    if (plan_.kind == FunctionKind::Main && opts_.prints && avail().prints >= 1) {
      Instr in;
      in.op = Opcode::Print;
      for (unsigned t = 0; t < kNumTy; ++t)
        if (!readable_[t].empty())
          in.args.push_back(readable_[t][rng_.below(readable_[t].size())]);
      emit(std::move(in));
      frames_.back().used.prints = satAdd(frames_.back().used.prints, 1);
    }
    if (maybeUndefined_ != kNoVar) {
      VarId r = op(Opcode::Add, Type::intTy(), {maybeUndefined_, read(kInt)});
      if (plan_.ret == Type::intTy()) {
        Instr in;
        in.op = Opcode::Ret;
        in.args = {r};
        emit(std::move(in));
      } else {
        returnStatement();
      }
    } else if (plan_.kind != FunctionKind::Main || rng_.chance(30)) {
      returnStatement();
    }
    self_.cost = popFrame();
    return std::move(fn_);
  }

  // Recursive: `if depth <= 0 { base } else { work; self(depth - 1) ... }`.
  VarId depth = fn_.params[0].var;
  VarId c = op(Opcode::Le, Type::boolTy(), {depth, intConst(0)});
  BlockId base = newBlock("base");
  BlockId rec = newBlock("recurse");
  branch(c, base, rec);
  Cost entryCost = popFrame();
  uint64_t target = plan_.staticTarget > static_ ? plan_.staticTarget - static_ : 8;
  Cost armBudget{plan_.budget.dyn / 8, plan_.budget.prints / 4, 0};

  startBlock(base);
  pushFrame(armBudget, false);
  Scope scope = openScope();
  region(target / 4);
  returnStatement();
  closeScope(scope);
  Cost baseCost = popFrame();

  startBlock(rec);
  pushFrame(armBudget, false);
  scope = openScope();
  depthMinusOne_ = op(Opcode::Sub, Type::intTy(), {depth, intConst(1)});
  pendingSelf_ = rng_.chance(75) ? 1 : 2;
  region(target - target / 4);
  while (pendingSelf_ > 0)
    placePlanned();
  returnStatement();
  closeScope(scope);
  Cost recCost = popFrame();

  // cost(0) = entry + base; cost(d) = entry + rec + k * cost(d - 1).
  uint64_t k = recCost.selfCalls;
  recCost.selfCalls = 0;
  Cost level = entryCost;
  level += baseCost;
  uint64_t cap = k <= 1 ? (rng_.chance(10) ? 300 : 40) : 12;
  uint64_t depthBound = 0;
  for (uint64_t d = 1; d <= cap; ++d) {
    Cost next = entryCost;
    next += recCost;
    next += level.times(k);
    if (d > 1 && !next.fitsIn(plan_.budget))
      break;
    level = next;
    depthBound = d;
  }
  self_.cost = level;
  self_.maxDepth = depthBound;
  return std::move(fn_);
}

} // namespace

Function generateFunction(const GenOptions &options, Random &rng,
                          const std::vector<Callee> &callees, const FunctionPlan &plan,
                          Callee &self, std::map<std::string, uint64_t> *shapeCounts) {
  self.name = plan.name;
  self.params = plan.params;
  self.ret = plan.ret;
  self.ptrParam = plan.ptrParam;
  self.recursive = plan.kind == FunctionKind::Recursive;
  return Builder(options, rng, callees, plan, self, shapeCounts).run();
}

} // namespace brisk::gen
