// Rules every rewrite here follows (see GVN.h for the algorithm):
//  1. A deleted instruction is replaced by a variable of the same type that
//     holds the same value on every execution: its key includes the type.
//  2. The replacement's definition dominates every use of the deleted one:
//     only an instruction found in the scope of the dominator-tree walk (so
//     in a dominating block, or earlier in the same block) is a leader.
//  3. Nothing with a side effect is deleted or moved; of the instructions that
//     may trap only `div` and `int2char` are numbered, and only a dominating
//     identical one (which already ran without trapping) replaces them.
//  4. Only deletes instructions: the IR shrinks, so iterating terminates.
#include "transforms/scalar/GVN.h"

#include "analysis/LayoutWalk.h"
#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Uses.h"
#include "transforms/scalar/PhiValue.h"

#include <llvm/ADT/BitVector.h>
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace brisk {

namespace {

struct ExprKey {
  Opcode op;
  Type type;
  int64_t literal = 0;
  llvm::SmallVector<uint32_t, 4> operands; // value numbers, then phi labels
};

// The hash of a key is built up in this order: op, type, literal, operands.
struct ExprHasher {
  uint64_t h = 0xcbf29ce484222325ull;
  void mix(uint64_t x) {
    h ^= x;
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  void start(Opcode op, Type type, int64_t literal) {
    mix(uint64_t(op));
    mix(std::hash<Type>()(type));
    mix(uint64_t(literal));
  }
};

struct ExprKeyHash {
  size_t operator()(const ExprKey &k) const noexcept {
    ExprHasher x;
    x.start(k.op, k.type, k.literal);
    for (uint32_t o : k.operands)
      x.mix(o);
    return size_t(x.h);
  }
};

bool isNumbered(const Instr &in) {
  if (!in.hasDest())
    return false;
  switch (in.op) {
  case Opcode::Undef:
  case Opcode::Get:
  case Opcode::Id: // handled as a copy
    return false;
  case Opcode::Div:
  case Opcode::Int2Char:
    return true;
  default:
    return isPure(in.op);
  }
}

// The expressions in scope during the dominator-tree walk and the variable
// holding each. Keys leave in the reverse order they came (scope exit), so
// they sit on a stack; an open-addressing table of stack positions, with
// each key's hash kept beside it, finds them. (A node-based map here cost a
// cache miss per node and rehashed keys while walking its chains.) A key's
// operands sit on a stack of their own, beside the entry's fixed part: an
// entry holding its ExprKey took 64 bytes (the key's inline room for four
// operands included), and with an entry for most instructions of a function
// of a million the stack is written and probed at cache-miss cost.
class ScopedExprTable {
public:
  // The variable already holding `key`, or kNoVar after recording `value`
  // for it.
  VarId findOrInsert(const ExprKey &key, VarId value) {
    size_t h = ExprKeyHash()(key);
    size_t mask = slots_.size() - 1;
    if (!slots_.empty()) {
      for (size_t i = h & mask;; i = (i + 1) & mask) {
        Slot s = slots_[i];
        if (s.entry == kEmpty)
          break;
        // The slot's copy of the hash spares a cache miss on the entry for
        // every other expression the probe passes.
        if (s.entry != kTomb && s.tag == uint32_t(h >> 32) && entries_[s.entry].hash == h &&
            matches(entries_[s.entry], key))
          return entries_[s.entry].value;
      }
    }
    if ((used_ + 1) * 4 > slots_.size() * 3)
      rehash();
    entries_.push_back({h, key.literal, uint32_t(operands_.size()), uint32_t(key.operands.size()),
                        value, key.op, key.type});
    operands_.insert(operands_.end(), key.operands.begin(), key.operands.end());
    place(uint32_t(entries_.size() - 1));
    return kNoVar;
  }
  size_t size() const { return entries_.size(); }
  // Fetches the slot where a probe for a key of hash h starts.
  void prefetch(size_t h) const {
    if (!slots_.empty())
      __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
  }
  // Room for n entries (and their operands, two each on average), so that
  // the stacks do not grow by copying while the walk goes.
  void reserve(size_t n) {
    entries_.reserve(n);
    operands_.reserve(2 * n);
  }
  // Removes the most recent keys until `n` are left.
  void popTo(size_t n) {
    size_t mask = slots_.size() - 1;
    while (entries_.size() > n) {
      uint32_t e = uint32_t(entries_.size() - 1);
      for (size_t i = entries_[e].hash & mask;; i = (i + 1) & mask)
        if (slots_[i].entry == e) {
          slots_[i].entry = kTomb;
          break;
        }
      operands_.resize(entries_[e].operandBegin);
      entries_.pop_back();
    }
  }
  void clear() {
    entries_.clear();
    operands_.clear();
    slots_.clear();
    used_ = 0;
  }

private:
  static constexpr uint32_t kEmpty = ~0u, kTomb = ~0u - 1;
  struct Entry {
    size_t hash;
    int64_t literal;
    uint32_t operandBegin, operandCount; // in operands_
    VarId value;
    Opcode op;
    Type type;
  };
  std::vector<Entry> entries_;
  std::vector<uint32_t> operands_;

  bool matches(const Entry &e, const ExprKey &key) const {
    return e.op == key.op && e.type == key.type && e.literal == key.literal &&
           e.operandCount == key.operands.size() &&
           std::equal(key.operands.begin(), key.operands.end(), operands_.begin() + e.operandBegin);
  }
  struct Slot {
    uint32_t entry; // entry index, kEmpty or kTomb
    uint32_t tag;   // the high half of the entry's hash
  };
  std::vector<Slot> slots_;
  size_t used_ = 0;             // slots not empty (entries and tombstones)

  void place(uint32_t e) {
    size_t mask = slots_.size() - 1;
    size_t i = entries_[e].hash & mask;
    while (slots_[i].entry != kEmpty && slots_[i].entry != kTomb)
      i = (i + 1) & mask;
    if (slots_[i].entry == kEmpty)
      ++used_;
    slots_[i] = {e, uint32_t(entries_[e].hash >> 32)};
  }
  // Drops the tombstones, and doubles the table when the live keys fill
  // more than a third of it.
  void rehash() {
    size_t cap = std::max<size_t>(slots_.size(), 64);
    while ((entries_.size() + 1) * 3 > cap)
      cap *= 2;
    slots_.assign(cap, Slot{kEmpty, 0});
    used_ = 0;
    for (uint32_t e = 0; e < entries_.size(); ++e)
      place(e);
  }
};

class GlobalValueNumbering {
public:
  GlobalValueNumbering(Function &f, AnalysisCache &facts) : f_(f), facts_(facts) {}

  bool run() {
    bool changed = false;
    startScan();
    walkBlocks(f_, [&](BlockId, const Block &blk) {
      for (const Instr &in : blk.instrs)
        scan(in);
    });
    for (int round = 0; round < 4; ++round) {
      if (!runOnce())
        break;
      changed = true;
    }
    return changed;
  }

private:
  Function &f_;
  AnalysisCache &facts_; // the CFG never changes here
  std::vector<VarId> leader_;
  std::vector<bool> feedsPhi_; // read by some phi (at the start of the round)
  ScopedExprTable table_;
  // The int and bool `const` destinations and their bits, and the sources
  // of the copies: a few variables in a hundred each, so a bit per variable
  // says which are constants and maps hold the rest. (A slot per variable,
  // 16 bytes for a constant, was all rewritten at every scan and read at
  // random for every operand: on a function of a million instructions a
  // cache miss each, where the bits stay in the cache.)
  llvm::BitVector isConst_;
  llvm::DenseMap<VarId, int64_t> constBits_;
  llvm::DenseMap<VarId, VarId> copyOf_;
  // What a round needs of the whole function before its walk (see scan()).
  std::vector<VarId> phiArgs_;
  std::vector<BlockId> phiBlocks_; // the walk's blocks that begin with a phi
  size_t defs_ = 0; // at most this many expressions enter the table
  bool hasGuard_ = false; // seen by scan()

  // The facts of a round read off every instruction: int and bool constants,
  // copies, phi arguments. A walk over the function gathers them for the
  // first round; the previous round's walk for the others (see runOnce), so
  // that a round walks the function once (and its phis again).
  void startScan() {
    isConst_.clear();
    isConst_.resize(f_.numVars());
    constBits_.clear();
    copyOf_.clear();
    phiArgs_.clear();
    defs_ = 0;
  }
  void scan(const Instr &in) {
    defs_ += in.hasDest();
    hasGuard_ |= in.op == Opcode::Guard;
    if (in.op == Opcode::Const && (in.type == Type::intTy() || in.type == Type::boolTy()))
      setConst(in.dest, in.value.asInt());
    else if (in.op == Opcode::Phi)
      phiArgs_.insert(phiArgs_.end(), in.args.begin(), in.args.end());
    else if (in.op == Opcode::Id && in.args.size() == 1)
      copyOf_[in.dest] = in.args[0];
  }
  void setConst(VarId v, int64_t bits) {
    isConst_.set(v);
    constBits_[v] = bits;
  }

  // A phi found trivial early may name a variable deleted later in the walk,
  // so follow the chain (it only ever points at earlier-kept variables).
  VarId leaderOf(VarId v) const {
    while (v < leader_.size() && leader_[v] != v)
      v = leader_[v];
    return v;
  }

  ExprKey keyOf(const Instr &in, BlockId block) const {
    ExprKey k{in.op, in.type, in.op == Opcode::Const ? in.value.bits() : 0, {}};
    for (VarId a : in.args)
      k.operands.push_back(leaderOf(a));
    if (in.op == Opcode::Phi) {
      k.operands.push_back(~0u); // separates values from labels
      for (BlockId l : in.labels)
        k.operands.push_back(l);
      k.operands.push_back(block); // phis of different blocks differ
    } else if (isCommutative(in.op) && k.operands.size() == 2 &&
               k.operands[0] > k.operands[1]) {
      std::swap(k.operands[0], k.operands[1]);
    }
    return k;
  }

  // A phi all of whose arguments are one value (or the phi itself) is that
  // value; kNoVar otherwise.
  VarId trivialPhiValue(const Instr &in) const {
    return phiValue(in.dest, in.args, [&](VarId a) { return leaderOf(a); });
  }

  std::optional<int64_t> constantOf(VarId v) const {
    v = leaderOf(v);
    if (v >= isConst_.size() || !isConst_.test(v))
      return std::nullopt;
    return constBits_.find(v)->second;
  }

  // Algebraic identities of int and bool operations (arguments already
  // replaced by their leaders). Returns the existing variable `in` equals
  // (x + 0, x * 1, x / 1, x - 0, x and true, x or false), or rewrites `in`
  // into a `const` when its value is known without its operands' values
  // (x * 0, x - x, x and false, x or true, comparisons of x with itself) and
  // returns kNoVar. `div x x` is left alone: it traps when x is 0.
  VarId simplifyAlgebraically(Instr &in) {
    if (in.args.size() != 2 || (in.type != Type::intTy() && in.type != Type::boolTy()))
      return kNoVar;
    VarId x = in.args[0], y = in.args[1];
    std::optional<int64_t> cx = constantOf(x), cy = constantOf(y);
    auto becomeConst = [&](int64_t bits) {
      in.op = Opcode::Const;
      in.args.clear();
      in.value = in.type == Type::boolTy() ? Literal::ofBool(bits != 0) : Literal::ofInt(bits);
      setConst(in.dest, bits);
      return kNoVar;
    };
    switch (in.op) {
    case Opcode::Add:
      if (cy == 0) return x;
      if (cx == 0) return y;
      break;
    case Opcode::Sub:
      if (cy == 0) return x;
      if (x == y) return becomeConst(0);
      break;
    case Opcode::Mul:
      if (cy == 1) return x;
      if (cx == 1) return y;
      if (cx == 0 || cy == 0) return becomeConst(0);
      break;
    case Opcode::Div:
      if (cy == 1) return x;
      break;
    case Opcode::And:
      if (cy == 1) return x;
      if (cx == 1) return y;
      if (cx == 0 || cy == 0) return becomeConst(0);
      if (x == y) return x;
      break;
    case Opcode::Or:
      if (cy == 0) return x;
      if (cx == 0) return y;
      if (cx == 1 || cy == 1) return becomeConst(1);
      if (x == y) return x;
      break;
    case Opcode::Eq: case Opcode::Le: case Opcode::Ge:
      if (x == y && !cx) return becomeConst(1);
      break;
    case Opcode::Lt: case Opcode::Gt:
      if (x == y && !cx) return becomeConst(0);
      break;
    default:
      break;
    }
    return kNoVar;
  }

  // Numbers one block; returns whether it deleted anything.
  bool visitBlock(BlockId b) {
    Block &blk = f_.block(b);
    // The table is large and each lookup a cache miss on a random slot: the
    // slots of the block's plain expressions (one or two operands, keyed as
    // keyOf would with the leaders as they are now) are fetched first, so
    // that their misses overlap. A key an earlier instruction of the block
    // changes costs only the wasted fetch.
    for (const Instr &in : blk.instrs)
      if (in.op != Opcode::Phi && in.op != Opcode::Id && in.args.size() <= 2 && isNumbered(in) &&
          !feedsPhi_[in.dest]) {
        ExprHasher x;
        x.start(in.op, in.type, in.op == Opcode::Const ? in.value.bits() : 0);
        uint32_t o[2] = {0, 0};
        for (size_t k = 0; k < in.args.size(); ++k)
          o[k] = leaderOf(in.args[k]);
        if (in.args.size() == 2 && isCommutative(in.op) && o[0] > o[1])
          std::swap(o[0], o[1]);
        for (size_t k = 0; k < in.args.size(); ++k)
          x.mix(o[k]);
        table_.prefetch(size_t(x.h));
      }
    llvm::SmallVector<bool, 16> dead(blk.instrs.size(), false);
    bool any = false;
    for (size_t i = 0; i < blk.instrs.size(); ++i) {
      Instr &in = blk.instrs[i];
      if (in.op != Opcode::Phi)
        forEachUseRef(in, [&](VarId &a) {
          if (VarId l = leaderOf(a); l != a) // no store (and dirty line) when unchanged
            a = l;
        });
      if (!in.hasDest())
        continue;
      VarId replacement = kNoVar;
      if (in.op == Opcode::Id && in.args.size() == 1 && !feedsPhi_[in.dest]) {
        replacement = leaderOf(in.args[0]);
      } else if (in.op == Opcode::Phi) {
        replacement = trivialPhiValue(in);
      } else if (!feedsPhi_[in.dest]) {
        replacement = simplifyAlgebraically(in);
      }
      // A value that feeds a phi is left alone: fromSSA would have to copy
      // the earlier value into the phi's name anyway (they now interfere),
      // which costs what the merge saved, often on a hotter path.
      if (replacement == kNoVar && isNumbered(in) && !feedsPhi_[in.dest]) {
        replacement = table_.findOrInsert(keyOf(in, b), in.dest);
      }
      if (replacement != kNoVar && replacement != in.dest) {
        leader_[in.dest] = replacement;
        dead[i] = true;
        any = true;
      }
    }
    if (any) {
      size_t n = 0;
      for (size_t i = 0; i < blk.instrs.size(); ++i)
        if (!dead[i]) {
          if (n != i) // a self-move would empty the strings
            blk.instrs[n] = std::move(blk.instrs[i]);
          ++n;
        }
      blk.instrs.resize(n);
    }
    // What the next round's scan would read off the block now (see
    // runOnce): the operands of what stays are renamed already, but for
    // the phis', renamed after the walk.
    for (const Instr &in : blk.instrs) {
      defs_ += in.hasDest();
      if (in.op == Opcode::Phi)
        phiArgs_.insert(phiArgs_.end(), in.args.begin(), in.args.end());
      else if (in.op == Opcode::Id && in.args.size() == 1)
        copyOf_[in.dest] = in.args[0];
    }
    if (!blk.instrs.empty() && blk.instrs.front().op == Opcode::Phi) // (phis come first)
      phiBlocks_.push_back(b);
    return any;
  }

  bool runOnce() {
    leader_.resize(f_.numVars());
    for (VarId v = 0; v < leader_.size(); ++v)
      leader_[v] = v;
    table_.clear();
    // Through copies too: `x = id c` kept for a phi still makes c feed it.
    feedsPhi_.assign(f_.numVars(), false);
    std::vector<VarId> &work = phiArgs_;
    const CFG &cfg = facts_.cfg(hasGuard_ ? CFG::Guards::Scan : CFG::Guards::Absent);
    const DominatorTree &dom = facts_.domTree();
    table_.reserve(defs_);
    while (!work.empty()) {
      VarId v = work.back();
      work.pop_back();
      if (feedsPhi_[v])
        continue;
      feedsPhi_[v] = true;
      if (auto c = copyOf_.find(v); c != copyOf_.end())
        work.push_back(c->second);
    }
    // The walk gathers the next round's facts as it goes (visitBlock), so
    // that a round that changed something need not walk every instruction
    // again: the constants carry over (a `const` the walk deletes leaves
    // its variable unread, and so never asked about), the copies, phi
    // arguments and definitions are counted afresh.
    copyOf_.clear();
    defs_ = 0;
    phiBlocks_.clear();

    bool changed = false;
    // Iterative pre-order walk of the dominator tree: each frame is a block
    // and the table's size at its entry.
    struct Frame {
      BlockId block;
      size_t tableSize;
      unsigned nextChild;
    };
    std::vector<Frame> stack;
    // The walk meets the blocks in dom.preorder()'s order: the blocks and
    // instructions it comes to next are fetched ahead (in layout order they
    // are anywhere), each block kAhead visits before its instructions.
    const std::vector<BlockId> &order = dom.preorder();
    constexpr size_t kAhead = 8;
    size_t visited = 0;
    auto visit = [&](BlockId b) {
      if (visited + 2 * kAhead < order.size())
        __builtin_prefetch(&f_.block(order[visited + 2 * kAhead]));
      if (visited + kAhead < order.size()) {
        const std::vector<Instr> &ahead = f_.block(order[visited + kAhead]).instrs;
        if (!ahead.empty())
          __builtin_prefetch(ahead.data());
      }
      ++visited;
      return visitBlock(b);
    };
    stack.push_back({cfg.entry(), table_.size(), 0});
    changed |= visit(cfg.entry());
    while (!stack.empty()) {
      Frame &top = stack.back();
      BlockRange kids = dom.children(top.block);
      if (top.nextChild < kids.size()) {
        BlockId child = kids[top.nextChild++];
        stack.push_back({child, table_.size(), 0});
        changed |= visit(child);
        continue;
      }
      table_.popTo(top.tableSize);
      stack.pop_back();
    }
    if (!changed)
      return false;
    // Phi arguments still name deleted variables, and so may any use in a
    // block the walk did not reach: only those are renamed, not every
    // operand of the function again (the walk renamed the others, each
    // after its definition, which dominates it). The blocks off the walk
    // are scanned for the next round here.
    auto rename = [&](Instr &in) {
      forEachUseRef(in, [&](VarId &a) {
        if (VarId l = leaderOf(a); l != a) // no store (and dirty line) when unchanged
          a = l;
      });
    };
    for (VarId &a : phiArgs_)
      a = leaderOf(a); // as the phis' are about to be
    for (BlockId b : phiBlocks_)
      for (Instr &in : f_.block(b).instrs) {
        if (in.op != Opcode::Phi)
          break;
        rename(in);
      }
    for (BlockId b : f_.layout)
      if (!cfg.reachable(b))
        for (Instr &in : f_.block(b).instrs) {
          rename(in);
          scan(in);
        }
    return true;
  }
};

} // namespace

bool numberValues(Function &f, AnalysisCache &facts) {
  if (!GlobalValueNumbering(f, facts).run())
    return false;
  facts.invalidateInstrs();
  return true;
}

bool numberValues(Function &f) {
  AnalysisCache facts(f);
  return numberValues(f, facts);
}

} // namespace brisk
