// Folding rules (every rule must meet all of them):
//  F1  Preserve the type: a folded instruction keeps its destination and type
//      and becomes `const` of that type.
//  F2  Only shrink: an instruction becomes a `const` (never more than one
//      instruction), a `br` becomes a `jmp`, blocks are only deleted.
//  F3  Exactly the reference interpreter's semantics: ints wrap at 64 bits
//      (BigInt.asIntN), `div` truncates toward zero, floats are IEEE doubles,
//      chars compare as JavaScript strings (UTF-16 code units).
//  F4  Never fold what traps: `div` by zero and `int2char` of a value that is
//      not a Unicode scalar value stay, and so their errors stay.
//  F5  Never emit a literal the reference cannot read back: no int outside
//      [-2^53, 2^53] (JSON numbers go through a double) and no NaN or
//      infinity (JSON has no spelling for them). An int `const` outside that
//      range in the input is treated as unknown (Bottom), since the reference
//      has already rounded it.
//  F6  Side effects, loads, calls, allocations and `undef` are Bottom: SCCP
//      never removes or moves them (`undef` is Bottom rather than Top so a
//      program that would read an undefined variable is not "fixed").
#include "transforms/scalar/SCCP.h"

#include "analysis/LayoutWalk.h"
#include "analysis/AnalysisCache.h"
#include "analysis/Buckets.h"
#include "analysis/CFG.h"
#include "analysis/Uses.h"

#include <llvm/ADT/SmallVector.h>

#include <cmath>
#include <memory>
#include <optional>
#include <vector>

namespace brisk {

namespace {

constexpr int64_t kMaxExactInt = int64_t(1) << 53;

bool intInRange(int64_t v) { return v >= -kMaxExactInt && v <= kMaxExactInt; }

// Wrapping arithmetic through unsigned, as BigInt.asIntN(64, ...) does.
int64_t wrapAdd(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }
int64_t wrapSub(int64_t a, int64_t b) { return int64_t(uint64_t(a) - uint64_t(b)); }
int64_t wrapMul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }

// JavaScript compares strings by UTF-16 code units; for chars outside the
// BMP that differs from code point order (U+FFFF > U+10000 there).
int compareChars(uint32_t a, uint32_t b) {
  auto units = [](uint32_t c) -> std::pair<uint32_t, uint32_t> {
    if (c < 0x10000)
      return {c, 0};
    c -= 0x10000;
    return {0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)};
  };
  auto ua = units(a), ub = units(b);
  if (ua.first != ub.first)
    return ua.first < ub.first ? -1 : 1;
  if (ua.second != ub.second)
    return ua.second < ub.second ? -1 : 1;
  return 0;
}

std::optional<Literal> intResult(int64_t v) {
  if (!intInRange(v))
    return std::nullopt;
  return Literal::ofInt(v);
}

std::optional<Literal> floatResult(double v) {
  if (!std::isfinite(v))
    return std::nullopt;
  return Literal::ofFloat(v);
}

} // namespace

std::optional<Literal> foldConstant(Opcode op, Type resultType, std::span<const Literal> a) {
  auto i = [&](unsigned k) { return a[k].asInt(); };
  auto fl = [&](unsigned k) { return a[k].asFloat(); };
  auto ch = [&](unsigned k) { return a[k].asChar(); };
  auto b = [&](unsigned k) { return a[k].asBool(); };
  switch (op) {
  case Opcode::Const:
    return a.empty() ? std::nullopt : std::optional<Literal>(a[0]);
  case Opcode::Id:
    if (resultType.isInt() && !intInRange(i(0)))
      return std::nullopt;
    if (resultType.isFloat() && !std::isfinite(fl(0)))
      return std::nullopt;
    if (resultType.isPtr())
      return std::nullopt;
    return a[0];
  case Opcode::Add: return intResult(wrapAdd(i(0), i(1)));
  case Opcode::Sub: return intResult(wrapSub(i(0), i(1)));
  case Opcode::Mul: return intResult(wrapMul(i(0), i(1)));
  case Opcode::Div:
    if (i(1) == 0)
      return std::nullopt; // F4: traps at run time
    if (i(0) == std::numeric_limits<int64_t>::min() && i(1) == -1)
      return intResult(i(0)); // 2^63 wraps back to -2^63
    return intResult(i(0) / i(1)); // C++ and BigInt both truncate toward zero
  case Opcode::Eq: return Literal::ofBool(i(0) == i(1));
  case Opcode::Lt: return Literal::ofBool(i(0) < i(1));
  case Opcode::Gt: return Literal::ofBool(i(0) > i(1));
  case Opcode::Le: return Literal::ofBool(i(0) <= i(1));
  case Opcode::Ge: return Literal::ofBool(i(0) >= i(1));
  case Opcode::Not: return Literal::ofBool(!b(0));
  case Opcode::And: return Literal::ofBool(b(0) && b(1));
  case Opcode::Or: return Literal::ofBool(b(0) || b(1));
  case Opcode::FAdd: return floatResult(fl(0) + fl(1));
  case Opcode::FSub: return floatResult(fl(0) - fl(1));
  case Opcode::FMul: return floatResult(fl(0) * fl(1));
  case Opcode::FDiv: return floatResult(fl(0) / fl(1));
  case Opcode::FEq: return Literal::ofBool(fl(0) == fl(1));
  case Opcode::FLt: return Literal::ofBool(fl(0) < fl(1));
  case Opcode::FLe: return Literal::ofBool(fl(0) <= fl(1));
  case Opcode::FGt: return Literal::ofBool(fl(0) > fl(1));
  case Opcode::FGe: return Literal::ofBool(fl(0) >= fl(1));
  case Opcode::CEq: return Literal::ofBool(ch(0) == ch(1));
  case Opcode::CLt: return Literal::ofBool(compareChars(ch(0), ch(1)) < 0);
  case Opcode::CLe: return Literal::ofBool(compareChars(ch(0), ch(1)) <= 0);
  case Opcode::CGt: return Literal::ofBool(compareChars(ch(0), ch(1)) > 0);
  case Opcode::CGe: return Literal::ofBool(compareChars(ch(0), ch(1)) >= 0);
  case Opcode::Char2Int: return Literal::ofInt(int64_t(ch(0)));
  case Opcode::Int2Char: {
    int64_t v = i(0);
    if (v < 0 || v > 1114111 || (v > 55295 && v < 57344))
      return std::nullopt; // F4: traps at run time
    return Literal::ofChar(uint32_t(v));
  }
  default:
    return std::nullopt; // F6 and the brilirs-only bit casts
  }
}

namespace {

struct LatticeValue {
  enum Kind : uint8_t { Top, Const, Bottom } kind = Top;
  Literal lit;

  static LatticeValue bottom() { return {Bottom, {}}; }
  static LatticeValue constant(Literal l) { return {Const, l}; }
  friend bool operator==(const LatticeValue &x, const LatticeValue &y) {
    return x.kind == y.kind && (x.kind != Const || x.lit == y.lit);
  }
};

LatticeValue meet(const LatticeValue &x, const LatticeValue &y) {
  if (x.kind == LatticeValue::Top)
    return y;
  if (y.kind == LatticeValue::Top)
    return x;
  if (x.kind == LatticeValue::Bottom || y.kind == LatticeValue::Bottom)
    return LatticeValue::bottom();
  return x.lit == y.lit ? x : LatticeValue::bottom();
}

class SCCP {
public:
  SCCP(Function &f, AnalysisCache &facts)
      : f_(f), facts_(facts), kind_(f.numVars(), LatticeValue::Top),
        literal_(std::make_unique_for_overwrite<int64_t[]>(f.numVars())),
        changedAt_(f.numVars(), 0), blockExecutable_(f.blocks.size(), false),
        mayRewrite_(f.blocks.size(), false) {}

  bool run() {
    collectUses();
    cfg_ = &facts_.cfg(hasGuard_ ? CFG::Guards::Scan : CFG::Guards::Absent);
    edgeExecutable_.assign(cfg_->numEdges(), false);
    for (const Param &p : f_.params)
      store(p.var, LatticeValue::bottom());
    markEdge(kNoBlock, cfg_->entry());
    while (!edgeWork_.empty() || !varWork_.empty()) {
      while (!edgeWork_.empty()) {
        auto [from, to] = edgeWork_.back();
        edgeWork_.pop_back();
        visitEdge(from, to);
      }
      while (!varWork_.empty()) {
        VarId v = varWork_.back();
        varWork_.pop_back();
        // A use evaluated since v last changed saw v's current value: it
        // would compute what it did then (edges that become executable
        // revisit the phis themselves), so it is skipped without touching
        // the instruction.
        for (uint32_t id : readers_.of(v))
          if (evaluatedAt_[id] < changedAt_[v])
            if (BlockId b = blockOf_[id]; blockExecutable_[b])
              visitInstr(b, id - firstId_[b], id);
      }
    }
    return rewrite();
  }

private:
  // The id of the CFG edge from -> to (see CFG::firstSuccEdge), or
  // kNoEdge when there is none (an entry of a phi from an unreachable block).
  static constexpr uint32_t kNoEdge = ~0u;
  uint32_t edgeId(BlockId from, BlockId to) const {
    BlockRange succs = cfg_->succs(from);
    for (uint32_t k = 0; k < succs.size(); ++k)
      if (succs[k] == to)
        return cfg_->firstSuccEdge(from) + k;
    return kNoEdge;
  }

  // Every instruction reading v, once each, in layout order: grouped by
  // variable with a counting sort (Buckets: one array for all variables,
  // not one allocation per variable). A use is the instruction's number
  // alone (its block from blockOf_, its index from firstId_): on a function
  // of a million instructions the tables are tens of megabytes, read and
  // written at cache-miss cost, and this keeps them at a third of the size that
  // (variable, block, index, number) entries and a second count took.
  void collectUses() {
    std::vector<std::pair<VarId, uint32_t>> reads; // (variable, reader's number)
    firstId_.assign(f_.blocks.size(), 0);
    size_t nv = f_.numVars();
    // Room for what the walk records, so that the tables do not grow by
    // copying: in SSA every variable has at most one definition, and the
    // instructions without one are mostly the blocks' terminators, which
    // bounds the instructions for most functions (room reserved and not
    // used costs no memory traffic). Most instructions read two operands.
    const size_t instrsBound = nv + f_.blocks.size();
    blockOf_.reserve(instrsBound);
    reads.reserve(2 * instrsBound);
    uint32_t id = 0;
    walkBlocks(f_, [&](BlockId b, const Block &blk) {
      const auto &ins = blk.instrs;
      firstId_[b] = id;
      for (uint32_t i = 0; i < ins.size(); ++i, ++id) {
        hasGuard_ |= ins[i].op == Opcode::Guard;
        blockOf_.push_back(b);
        size_t first = reads.size();
        forEachUse(ins[i], [&](VarId v) {
          for (size_t k = first; k < reads.size(); ++k)
            if (reads[k].first == v)
              return;
          reads.push_back({v, id});
        });
      }
    });
    evaluatedAt_.assign(id, 0);
    readers_ = Buckets(nv, reads);
  }

  // A variable's value: kind_ and, for a constant, literal_.
  LatticeValue valueOf(VarId v) const {
    if (kind_[v] != LatticeValue::Const)
      return {LatticeValue::Kind(kind_[v]), {}};
    return LatticeValue::constant(Literal::ofInt(literal_[v]));
  }
  void store(VarId v, const LatticeValue &x) {
    kind_[v] = x.kind;
    if (x.kind == LatticeValue::Const)
      literal_[v] = x.lit.bits();
  }

  // Edges are marked only from executable (so reachable) blocks to their
  // successors, and the entry's edge from outside once.
  void markEdge(BlockId from, BlockId to) {
    if (from == kNoBlock) {
      edgeWork_.push_back({from, to});
      return;
    }
    uint32_t e = edgeId(from, to);
    if (!edgeExecutable_[e]) {
      edgeExecutable_[e] = true;
      edgeWork_.push_back({from, to});
    }
  }

  bool edgeExecutable(BlockId from, BlockId to) const {
    uint32_t e = edgeId(from, to);
    return e != kNoEdge && edgeExecutable_[e];
  }

  void visitEdge(BlockId from, BlockId to) {
    (void)from;
    auto &ins = f_.block(to).instrs;
    if (blockExecutable_[to]) {
      // Only the phis can see something new: one more incoming edge.
      for (uint32_t i = 0; i < ins.size() && ins[i].op == Opcode::Phi; ++i)
        visitInstr(to, i, firstId_[to] + i);
      return;
    }
    blockExecutable_[to] = true;
    for (uint32_t i = 0; i < ins.size(); ++i)
      visitInstr(to, i, firstId_[to] + i);
    if (!f_.block(to).terminator())
      for (BlockId s : cfg_->succs(to))
        markEdge(to, s);
  }

  void lower(VarId v, const LatticeValue &nv) {
    LatticeValue old = valueOf(v);
    LatticeValue m = meet(old, nv);
    if (m == old)
      return;
    store(v, m);
    changedAt_[v] = ++clock_;
    varWork_.push_back(v);
  }

  void visitInstr(BlockId b, uint32_t index, uint32_t id) {
    evaluatedAt_[id] = clock_;
    const Instr &in = f_.block(b).instrs[index];
    if (in.isTerminator()) {
      visitTerminator(b, in);
      return;
    }
    if (!in.hasDest())
      return;
    uint8_t before = kind_[in.dest];
    lower(in.dest, evaluate(b, in));
    if (before == LatticeValue::Top && kind_[in.dest] == LatticeValue::Const &&
        in.op != Opcode::Const)
      constDefs_.push_back({in.dest, b});
  }

  void visitTerminator(BlockId b, const Instr &in) {
    if (in.op == Opcode::Br) {
      LatticeValue c = valueOf(in.args[0]);
      if (c.kind == LatticeValue::Top)
        return;
      if (c.kind == LatticeValue::Const) {
        constBranches_.push_back({b, in.args[0]});
        markEdge(b, in.labels[c.lit.asBool() ? 0 : 1]);
        return;
      }
    }
    for (BlockId s : cfg_->succs(b))
      markEdge(b, s);
  }

  LatticeValue evaluate(BlockId b, const Instr &in) {
    switch (in.op) {
    case Opcode::Phi: {
      LatticeValue acc;
      for (size_t k = 0; k < in.args.size(); ++k)
        if (edgeExecutable(in.labels[k], b))
          acc = meet(acc, valueOf(in.args[k]));
      return acc;
    }
    case Opcode::Const:
      if (in.type.isInt() && !intInRange(in.value.asInt()))
        return LatticeValue::bottom(); // F5
      if (in.type.isFloat() && !std::isfinite(in.value.asFloat()))
        return LatticeValue::bottom();
      return LatticeValue::constant(in.value);
    case Opcode::And:
    case Opcode::Or: {
      // A known deciding operand decides the result whatever the other is.
      bool decider = in.op == Opcode::Or;
      for (VarId a : in.args)
        if (LatticeValue x = valueOf(a); x.kind == LatticeValue::Const && x.lit.asBool() == decider)
          return LatticeValue::constant(Literal::ofBool(decider));
      break;
    }
    case Opcode::Mul:
      for (VarId a : in.args)
        if (LatticeValue x = valueOf(a); x.kind == LatticeValue::Const && x.lit.asInt() == 0)
          return LatticeValue::constant(Literal::ofInt(0));
      break;
    default:
      break;
    }
    EffectClass e = in.info().effect;
    if (e != EffectClass::Pure && e != EffectClass::MayTrap)
      return LatticeValue::bottom();
    llvm::SmallVector<Literal, 2> lits;
    bool top = false;
    for (VarId a : in.args) {
      LatticeValue v = valueOf(a);
      if (v.kind == LatticeValue::Bottom)
        return LatticeValue::bottom();
      if (v.kind == LatticeValue::Top)
        top = true;
      else
        lits.push_back(v.lit);
    }
    if (top)
      return LatticeValue{};
    if (in.args.empty())
      return LatticeValue::bottom(); // undef, get, nop-shaped values
    if (std::optional<Literal> r = foldConstant(in.op, in.type, lits))
      return LatticeValue::constant(*r);
    return LatticeValue::bottom();
  }

  static void dropPhiEntries(Block &target, BlockId from) {
    for (Instr &in : target.instrs) {
      if (in.op != Opcode::Phi)
        break;
      for (size_t k = 0; k < in.labels.size();) {
        if (in.labels[k] == from) {
          in.labels.erase(in.labels.begin() + k);
          in.args.erase(in.args.begin() + k);
        } else {
          ++k;
        }
      }
    }
  }

  bool rewrite() {
    for (auto [v, b] : constDefs_)
      if (kind_[v] == LatticeValue::Const)
        mayRewrite_[b] = true;
    for (auto [b, c] : constBranches_)
      if (kind_[c] == LatticeValue::Const)
        mayRewrite_[b] = true;
    bool changed = false;
    std::vector<BlockId> kept;
    for (BlockId b : f_.layout) {
      if (blockExecutable_[b]) {
        kept.push_back(b);
        continue;
      }
      // Unreachable: the successors that stay lose their phi entries.
      for (BlockId s : cfg_->succs(b)) // the CFG of f_ as it was: no edit so far
        if (blockExecutable_[s])
          dropPhiEntries(f_.block(s), b);
      f_.block(b).dead = true;
      editedCFG_ = true;
      changed = true;
    }
    f_.layout = std::move(kept);

    for (BlockId b : f_.layout) {
      if (!mayRewrite_[b])
        continue;
      Block &blk = f_.block(b);
      std::vector<Instr> phiConsts;
      size_t firstNonPhi = 0;
      for (size_t i = 0; i < blk.instrs.size(); ++i) {
        Instr &in = blk.instrs[i];
        if (in.op == Opcode::Phi)
          firstNonPhi = i + 1;
        if (!in.hasDest() || in.op == Opcode::Const)
          continue;
        LatticeValue v = valueOf(in.dest);
        if (v.kind != LatticeValue::Const)
          continue;
        Instr c;
        c.op = Opcode::Const;
        c.type = in.type;
        c.dest = in.dest;
        c.value = v.lit;
        c.pos = in.pos;
        if (in.op == Opcode::Phi) {
          phiConsts.push_back(std::move(c));
          in.op = Opcode::Nop; // removed below, keeps indices stable meanwhile
          in.dest = kNoVar;
        } else {
          in = std::move(c);
        }
        changed = true;
      }
      if (!phiConsts.empty()) {
        std::vector<Instr> out;
        out.reserve(blk.instrs.size());
        for (size_t i = 0; i < firstNonPhi; ++i)
          if (blk.instrs[i].op == Opcode::Phi)
            out.push_back(std::move(blk.instrs[i]));
        for (Instr &c : phiConsts)
          out.push_back(std::move(c));
        for (size_t i = firstNonPhi; i < blk.instrs.size(); ++i)
          out.push_back(std::move(blk.instrs[i]));
        blk.instrs = std::move(out);
      }
      if (Instr *t = blk.terminator(); t && t->op == Opcode::Br) {
        LatticeValue c = valueOf(t->args[0]);
        if (c.kind == LatticeValue::Const) {
          BlockId taken = t->labels[c.lit.asBool() ? 0 : 1];
          BlockId other = t->labels[c.lit.asBool() ? 1 : 0];
          if (other != taken)
            dropPhiEntries(f_.block(other), b);
          t->op = Opcode::Jmp;
          t->args.clear();
          t->labels.assign(1, taken);
          changed = editedCFG_ = true;
        }
      }
    }
    return changed;
  }

public:
  // Whether rewrite() folded a branch or dropped a block.
  bool editedCFG() const { return editedCFG_; }

private:
  Function &f_;
  AnalysisCache &facts_;
  const CFG *cfg_ = nullptr; // facts_.cfg(), taken after collectUses()
  bool hasGuard_ = false;
  bool editedCFG_ = false;
  // The lattice values, split: a byte per variable for the kind (what most
  // reads of an operand need, and 1/16 of the memory of a LatticeValue per
  // variable, which at a million variables did not fit in the cache), and
  // the literal of the constants only (never initialized: read only where
  // kind_ says Const, so the pages of the others are not even touched).
  std::vector<uint8_t> kind_;
  std::unique_ptr<int64_t[]> literal_;
  // Lowering clock: changedAt_[v] is the tick of v's last change,
  // evaluatedAt_[id] the tick at which instruction `id` was last evaluated
  // (0: never). Instruction ids number the layout's instructions in order;
  // firstId_[b] is the first of block b's.
  uint32_t clock_ = 0;
  std::vector<uint32_t> changedAt_, evaluatedAt_, firstId_;
  std::vector<BlockId> blockOf_; // by instruction number
  // The numbers of the instructions reading v: readers_.of(v).
  Buckets readers_;
  std::vector<bool> blockExecutable_;
  // The blocks rewrite() has anything to do in: where an instruction (not
  // a `const`) or the `br` ends with a constant. A value that ends constant
  // was constant since it left Top, and its instruction (or the `br`
  // reading it) was evaluated then: the evaluation notes it in constDefs_
  // (once, when the value leaves Top) or constBranches_, and rewrite()
  // keeps the notes whose value is still constant. (Marking every block
  // where a constant was once seen took in the loop headers whose phis
  // start constant and end varying: on big 100k, 8,000 and 16,000 blocks
  // in the pipeline's two runs where 0 and 4,000 had anything to rewrite,
  // each a walk over instructions that are cache misses at a million.)
  std::vector<std::pair<VarId, BlockId>> constDefs_;
  std::vector<std::pair<BlockId, VarId>> constBranches_;
  std::vector<bool> mayRewrite_;
  std::vector<bool> edgeExecutable_; // by CFG edge id
  std::vector<std::pair<BlockId, BlockId>> edgeWork_;
  std::vector<VarId> varWork_;
};

} // namespace

bool propagateConstants(Function &f, AnalysisCache &facts) {
  if (f.layout.empty())
    return false;
  SCCP sccp(f, facts);
  if (!sccp.run())
    return false;
  if (sccp.editedCFG())
    facts.invalidateCFG();
  else
    facts.invalidateInstrs();
  return true;
}

bool propagateConstants(Function &f) {
  AnalysisCache facts(f);
  return propagateConstants(f, facts);
}

} // namespace brisk
