#include "transforms/superblocks/GuardMerging.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>
#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <map>
#include <optional>

namespace brisk {
namespace {

constexpr size_t kMaxChain = 64; // bounds the order facts kept per value

Instr makeOp(Opcode op, VarId dest, Type type, std::initializer_list<VarId> args) {
  Instr in;
  in.op = op;
  in.dest = dest;
  in.type = type;
  for (VarId a : args)
    in.args.push_back(a);
  return in;
}

// x < y (strict) or x <= y, over value numbers, for a float comparison.
struct Order {
  unsigned x, y;
  bool strict;
};

// A `not` whose result only its guard reads: its operand and where it is.
struct Negation {
  VarId arg;
  unsigned argValue;
  BlockId block;
  size_t index;
};

// A guard of the open segment.
struct GuardAt {
  BlockId block;
  size_t index;
  VarId cond;
  unsigned condValue;
  std::optional<Negation> negation; // set when its condition is a lone `not`
  bool argStillHere = false;        // the negation's operand holds its value here
  bool prevArgStillHere = false;    // the previous negated guard's operand does too
};

class Merger {
public:
  Merger(Function &f, std::vector<GuardMove> *moves) : f_(f), moves_(moves) {}

  bool run() {
    countUses();
    std::vector<BlockId> runBlocks;
    for (size_t k = 0; k < f_.layout.size(); ++k) {
      BlockId b = f_.layout[k];
      runBlocks.push_back(b);
      bool goesOn = !f_.block(b).terminator() && k + 1 < f_.layout.size() &&
                    !f_.block(f_.layout[k + 1]).hasLabel();
      if (!goesOn) {
        scanRun(runBlocks);
        runBlocks.clear();
      }
    }
    if (edits_.empty())
      return false;
    applyEdits();
    return true;
  }

private:
  void countUses() {
    reads_.assign(f_.numVars(), 0);
    std::vector<unsigned> defs(f_.numVars(), 0);
    std::vector<std::optional<double>> floatConst(f_.numVars());
    std::vector<std::optional<int64_t>> intConst(f_.numVars());
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs) {
        for (VarId a : in.args)
          ++reads_[a];
        if (in.hasDest()) {
          ++defs[in.dest];
          if (in.op == Opcode::Const && in.type.isFloat())
            floatConst[in.dest] = in.value.asFloat();
          if (in.op == Opcode::Const && in.type.isInt())
            intConst[in.dest] = in.value.asInt();
        }
      }
    for (const Param &p : f_.params)
      ++defs[p.var];
    // A variable written once in the function, by a constant, holds it
    // wherever it is read (or the read fails in the original too).
    for (VarId v = 0; v < f_.numVars(); ++v)
      if (defs[v] == 1) {
        if (floatConst[v])
          funcFloat_[v] = *floatConst[v];
        if (intConst[v])
          funcInt_[v] = *intConst[v];
      }
  }

  // The value number a variable holds now (a fresh one for its value at the
  // start of the run).
  unsigned valueOf(VarId v) {
    auto [it, fresh] = current_.try_emplace(v, 0);
    if (fresh) {
      it->second = newValue();
      if (auto c = funcFloat_.find(v); c != funcFloat_.end())
        floatOf_[it->second] = c->second;
      if (auto c = funcInt_.find(v); c != funcInt_.end())
        intOf_[it->second] = c->second;
    }
    return it->second;
  }
  unsigned newValue() { return next_++; }

  std::optional<double> floatConstOf(unsigned value) const {
    if (auto it = floatOf_.find(value); it != floatOf_.end())
      return it->second;
    return std::nullopt;
  }

  // `to` is reached from `from` by an add of `k`: record which way it moved.
  void recordStep(unsigned to, unsigned from, double k) {
    if (!(k > 0) && !(k < 0))
      return; // 0 or NaN: no order
    auto &into = k > 0 ? below_ : above_;
    auto &chain = into[to];
    chain.push_back(from);
    if (auto it = into.find(from); it != into.end())
      for (unsigned u : it->second)
        if (chain.size() < kMaxChain)
          chain.push_back(u);
  }

  bool inChain(const llvm::DenseMap<unsigned, llvm::SmallVector<unsigned, 4>> &m, unsigned of,
               unsigned v) const {
    auto it = m.find(of);
    return it != m.end() && std::find(it->second.begin(), it->second.end(), v) != it->second.end();
  }

  // Whether the later guard passing proves the earlier one passes.
  bool implies(const GuardAt &later, const GuardAt &earlier) const {
    auto l = orders_.find(later.condValue), e = orders_.find(earlier.condValue);
    if (l == orders_.end() || e == orders_.end())
      return false;
    const Order &a = l->second, &b = e->second;
    if (b.strict && !a.strict)
      return false;
    // a: x' (<|<=) y' holds, so neither is NaN. b: x (<|<=) y.
    if (a.y == b.y && (a.x == b.x || inChain(below_, a.x, b.x)))
      return true; // x <= x' (<) y' = y
    if (a.x == b.x && inChain(above_, a.y, b.y))
      return true; // x = x' (<) y' <= y
    return false;
  }

  // Updates the value numbers and facts for one instruction.
  void define(const Instr &in) {
    llvm::SmallVector<unsigned, 2> args;
    for (VarId a : in.args)
      args.push_back(valueOf(a));
    if (!in.hasDest())
      return;
    if (in.op == Opcode::Id) {
      current_[in.dest] = args[0];
      return;
    }
    unsigned d = newValue();
    switch (in.op) {
    case Opcode::Const:
      if (in.type.isFloat())
        floatOf_[d] = in.value.asFloat();
      if (in.type.isInt())
        intOf_[d] = in.value.asInt();
      break;
    case Opcode::FAdd:
      if (auto k = floatConstOf(args[1]))
        recordStep(d, args[0], *k);
      else if (auto k0 = floatConstOf(args[0]))
        recordStep(d, args[1], *k0);
      break;
    case Opcode::FSub:
      if (auto k = floatConstOf(args[1]))
        recordStep(d, args[0], -*k);
      break;
    case Opcode::FLt: case Opcode::FLe:
      orders_[d] = {args[0], args[1], in.op == Opcode::FLt};
      break;
    case Opcode::FGt: case Opcode::FGe:
      orders_[d] = {args[1], args[0], in.op == Opcode::FGt};
      break;
    default:
      break;
    }
    current_[in.dest] = d;
  }

  // A div whose divisor is a nonzero constant, or the value an earlier div
  // of the run divided by (it did not trap then), cannot trap.
  bool safeDiv(const Instr &in) {
    unsigned divisor = valueOf(in.args[1]);
    if (auto it = intOf_.find(divisor); it != intOf_.end() && it->second != 0)
      return true;
    return nonzero_.contains(divisor);
  }

  void scanRun(const std::vector<BlockId> &blocks) {
    current_.clear();
    floatOf_.clear();
    intOf_.clear();
    below_.clear();
    above_.clear();
    orders_.clear();
    nots_.clear();
    nonzero_.clear();
    segment_.clear();
    label_ = kNoBlock;
    for (BlockId b : blocks) {
      const auto &ins = f_.block(b).instrs;
      for (size_t i = 0; i < ins.size(); ++i) {
        const Instr &in = ins[i];
        if (in.op == Opcode::Guard) {
          noteGuard(b, i, in);
          continue;
        }
        bool breaks = in.op == Opcode::Speculate || in.op == Opcode::Commit ||
                      isSideEffect(in.op) || in.isTerminator() ||
                      (mayTrap(in.op) && !(in.op == Opcode::Div && safeDiv(in)));
        if (breaks)
          closeSegment();
        if (in.op == Opcode::Div)
          nonzero_.insert(valueOf(in.args[1]));
        define(in);
        if (in.op == Opcode::Not && in.hasDest() && in.dest != in.args[0] &&
            reads_[in.dest] == 1)
          nots_[current_[in.dest]] = Negation{in.args[0], current_[in.args[0]], b, i};
      }
    }
    closeSegment();
  }

  void noteGuard(BlockId b, size_t i, const Instr &in) {
    if (label_ != in.labels[0])
      closeSegment();
    label_ = in.labels[0];
    GuardAt g{b, i, in.args[0], valueOf(in.args[0]), std::nullopt};
    if (auto it = nots_.find(g.condValue); it != nots_.end()) {
      g.negation = it->second;
      g.argStillHere = valueOf(it->second.arg) == it->second.argValue;
      if (!g.argStillHere)
        g.negation.reset();
    }
    if (g.negation)
      for (size_t k = segment_.size(); k-- > 0;)
        if (segment_[k].negation) {
          const Negation &p = *segment_[k].negation;
          g.prevArgStillHere = valueOf(p.arg) == p.argValue;
          break;
        }
    segment_.push_back(std::move(g));
  }

  void closeSegment() {
    if (segment_.size() >= 2)
      mergeSegment();
    segment_.clear();
    label_ = kNoBlock;
  }

  void mergeSegment() {
    size_t n = segment_.size();
    std::vector<size_t> final(n);
    for (size_t i = 0; i < n; ++i)
      final[i] = i;
    // 1. Guards a later one implies.
    for (size_t i = 0; i + 1 < n; ++i)
      for (size_t j = n; j-- > i + 1;)
        if (implies(segment_[j], segment_[i])) {
          final[i] = j;
          edits_[{segment_[i].block, segment_[i].index}] = {};
          break;
        }
    // 2. Negated guards: one `not` for all of them.
    std::vector<size_t> neg;
    for (size_t i = 0; i < n; ++i)
      if (final[i] == i && segment_[i].negation)
        neg.push_back(i);
    if (neg.size() >= 2) {
      VarId acc = kNoVar;
      for (size_t t = 0; t < neg.size(); ++t) {
        const GuardAt &g = segment_[neg[t]];
        const Negation &x = *g.negation;
        edits_[{x.block, x.index}] = {}; // the not
        std::vector<Instr> here;
        if (t == 0) {
          if (segment_[neg[1]].prevArgStillHere) {
            acc = x.arg;
          } else {
            acc = f_.freshVar("sb.any");
            here.push_back(makeOp(Opcode::Id, acc, Type::boolTy(), {x.arg}));
          }
        } else {
          VarId next = f_.freshVar("sb.any");
          here.push_back(makeOp(Opcode::Or, next, Type::boolTy(), {acc, x.arg}));
          acc = next;
        }
        if (t + 1 == neg.size()) {
          VarId none = f_.freshVar("sb.none");
          here.push_back(makeOp(Opcode::Not, none, Type::boolTy(), {acc}));
          Instr guard = f_.block(g.block).instrs[g.index];
          guard.args[0] = none;
          here.push_back(std::move(guard));
        } else {
          final[neg[t]] = neg.back();
        }
        edits_[{g.block, g.index}] = std::move(here);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (final[i] == i)
        continue;
      size_t j = final[i];
      while (final[j] != j)
        j = final[j];
      if (moves_)
        moves_->push_back({segment_[i].block, segment_[j].block});
    }
  }

  void applyEdits() {
    auto it = edits_.begin();
    while (it != edits_.end()) {
      BlockId b = it->first.first;
      std::vector<Instr> &ins = f_.block(b).instrs;
      std::vector<Instr> out;
      out.reserve(ins.size() + 2);
      for (size_t i = 0; i < ins.size(); ++i) {
        if (it != edits_.end() && it->first == std::make_pair(b, i)) {
          for (Instr &in : it->second)
            out.push_back(std::move(in));
          ++it;
        } else {
          out.push_back(std::move(ins[i]));
        }
      }
      ins = std::move(out);
    }
  }

  Function &f_;
  std::vector<GuardMove> *moves_;
  std::vector<unsigned> reads_;
  llvm::DenseMap<VarId, double> funcFloat_;
  llvm::DenseMap<VarId, int64_t> funcInt_;
  // Per run.
  unsigned next_ = 0;
  llvm::DenseMap<VarId, unsigned> current_;
  llvm::DenseMap<unsigned, double> floatOf_;
  llvm::DenseMap<unsigned, int64_t> intOf_;
  // below_[v]: values u with "v not NaN implies u not NaN and u <= v";
  // above_[v] the same with u >= v.
  llvm::DenseMap<unsigned, llvm::SmallVector<unsigned, 4>> below_, above_;
  llvm::DenseMap<unsigned, Order> orders_;
  llvm::DenseMap<unsigned, Negation> nots_;
  llvm::DenseSet<unsigned> nonzero_;
  std::vector<GuardAt> segment_;
  BlockId label_ = kNoBlock;
  // Replacements by (block, index), in order; empty deletes.
  std::map<std::pair<BlockId, size_t>, std::vector<Instr>> edits_;
};

} // namespace

bool mergeGuards(Function &f, std::vector<GuardMove> *moves) {
  // Only a segment of two guards or more merges: with fewer in the whole
  // function there is nothing to scan for (a loop chunk's branch form, or a
  // speculative one whose guards folded away).
  unsigned guards = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Guard && ++guards == 2)
        return Merger(f, moves).run();
  return false;
}

} // namespace brisk
