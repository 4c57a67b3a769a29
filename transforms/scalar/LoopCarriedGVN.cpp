// Rules (see LoopCarriedGVN.h):
//  1. The phi that replaces I holds I's value on every execution of I: in the
//     first iteration the expression of the preheader's arguments, later the
//     latch's equal expression of the previous iteration, whose operands are
//     exactly the values the header's phis take at the next iteration.
//  2. The latch value dominates the latch and the entry value the preheader:
//     both are available on their edge.
//  3. Only Pure, non-trapping instructions are copied into the preheader, and
//     never of an `undef` operand.
#include "transforms/scalar/LoopCarriedGVN.h"

#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "analysis/Uses.h"
#include "transforms/loops/LoopDefinitions.h"
#include "transforms/loops/LoopPreheaders.h"

#include <boost/container/flat_map.hpp>
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/SmallVector.h>

#include <algorithm>
#include <map>
#include <vector>

namespace brisk {

namespace {

struct ExprKey {
  Opcode op;
  Type type;
  llvm::SmallVector<VarId, 2> args;
  friend bool operator<(const ExprKey &a, const ExprKey &b) {
    if (a.op != b.op)
      return a.op < b.op;
    if (a.type != b.type)
      return std::hash<Type>()(a.type) < std::hash<Type>()(b.type);
    return a.args < b.args;
  }
};

bool isCandidate(const Instr &in) {
  if (!in.hasDest() || in.args.empty() || !isPure(in.op))
    return false;
  switch (in.op) {
  case Opcode::Phi:
  case Opcode::Const:
  case Opcode::Id:
  case Opcode::Get:
  case Opcode::Undef:
    return false;
  default:
    return true;
  }
}

ExprKey keyOf(Opcode op, Type type, llvm::SmallVector<VarId, 2> args) {
  if (isCommutative(op) && args.size() == 2 && args[0] > args[1])
    std::swap(args[0], args[1]);
  return ExprKey{op, type, std::move(args)};
}

class LoopCarriedValueNumbering {
public:
  LoopCarriedValueNumbering(Function &f, AnalysisCache &facts) : f_(f), facts_(facts) {}

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
      visitLoop(loop, cfg, dom, loops);
    if (pendingPhis_.empty())
      return changed;
    apply();
    return true;
  }

private:
  struct Use {
    BlockId block;
    uint32_t index;
    bool byPhi;
  };
  struct NewPhi {
    BlockId header;
    Instr phi;
  };

  Function &f_;
  AnalysisCache &facts_;
  const DefSites *defs_ = nullptr; // facts_.defSites(), taken after the preheaders are in
  // The blocks of the definitions planned so far (variables made here, so
  // at or above defs_->size()); they are put in place by apply().
  llvm::DenseMap<VarId, BlockId> planned_;
  BlockId blockOf(VarId v) const {
    if (v < defs_->size())
      return defs_->block(v);
    auto it = planned_.find(v);
    return it == planned_.end() ? kNoBlock : it->second;
  }
  std::vector<uint32_t> defIndex_;
  std::vector<llvm::SmallVector<Use, 2>> uses_;
  std::map<ExprKey, llvm::SmallVector<VarId, 1>> table_;
  std::vector<VarId> rename_;                       // deleted I -> its phi
  std::vector<NewPhi> pendingPhis_;
  boost::container::flat_map<BlockId, std::vector<Instr>> pendingPreheader_; // appended before the terminator

  // The expression table and the uses of every variable, built when a loop
  // first has an instruction worth looking up (a function whose loops have
  // none never pays for them). Nothing has been added or renamed before
  // then, and the function itself changes only in apply().
  bool indexed_ = false;
  void index() {
    if (indexed_)
      return;
    indexed_ = true;
    size_t n = defs_->size();
    defIndex_.assign(n, 0);
    uses_.assign(n, {});
    for (BlockId b : f_.layout) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (uint32_t i = 0; i < instrs.size(); ++i) {
        const Instr &in = instrs[i];
        if (in.hasDest()) {
          defIndex_[in.dest] = i;
          if (isCandidate(in))
            table_[keyOf(in.op, in.type, {in.args.begin(), in.args.end()})].push_back(in.dest);
        }
        forEachUse(in, [&](VarId v) {
          if (v < n)
            uses_[v].push_back({b, i, in.op == Opcode::Phi});
        });
      }
    }
  }

  // A live variable computing `key` whose definition dominates the end of
  // `at`; kNoVar when there is none.
  VarId available(const ExprKey &key, BlockId at, const DominatorTree &dom) {
    index();
    auto it = table_.find(key);
    if (it == table_.end())
      return kNoVar;
    for (VarId v : it->second)
      if (rename_[v] == kNoVar && blockOf(v) != kNoBlock && dom.dominates(blockOf(v), at))
        return v;
    return kNoVar;
  }

  void visitLoop(const Loop &loop, const CFG &cfg, const DominatorTree &dom,
                 const LoopInfo &loops) {
    std::optional<SimpleLoop> shape = simpleLoop(f_, loop, cfg, loops);
    if (!shape)
      return;
    BlockId header = shape->header, latch = shape->latch, pre = shape->preheader;
    LoopId id = loops.loopOf(header);
    // The header's phis: their arguments from the preheader and the latch.
    llvm::DenseMap<VarId, std::pair<VarId, VarId>> phiArgs;
    for (const Instr &in : f_.block(header).instrs) {
      if (in.op != Opcode::Phi)
        break;
      VarId fromPre = kNoVar, fromLatch = kNoVar;
      for (size_t k = 0; k < in.args.size(); ++k)
        (in.labels[k] == pre ? fromPre : fromLatch) = in.args[k];
      if (fromPre != kNoVar && fromLatch != kNoVar)
        phiArgs[in.dest] = {fromPre, fromLatch};
    }
    if (phiArgs.empty())
      return;
    for (BlockId b : loop.blocks) {
      const std::vector<Instr> &instrs = f_.block(b).instrs;
      for (const Instr &in : instrs) {
        if (!isCandidate(in) || in.op == Opcode::Div || in.op == Opcode::Int2Char ||
            rename_[in.dest] != kNoVar)
          continue;
        llvm::SmallVector<VarId, 2> atEntry, atLatch;
        bool throughPhi = false, ok = true;
        for (VarId a : in.args) {
          auto it = phiArgs.find(a);
          if (it != phiArgs.end()) {
            throughPhi = true;
            atEntry.push_back(it->second.first);
            atLatch.push_back(it->second.second);
          } else if (blockOf(a) == kNoBlock || loops.contains(id, blockOf(a))) {
            ok = false; // varies per iteration (or is never defined)
            break;
          } else {
            atEntry.push_back(a);
            atLatch.push_back(a);
          }
        }
        if (!ok || !throughPhi)
          continue;
        VarId latchValue = available(keyOf(in.op, in.type, atLatch), latch, dom);
        if (latchValue == kNoVar || latchValue == in.dest)
          continue;
        if (!usesEndBefore(in.dest, latchValue, dom))
          continue;
        bool undefinedOperand = false;
        for (VarId a : atEntry)
          undefinedOperand |= defs_->isUndef(a) || blockOf(a) == kNoBlock;
        if (undefinedOperand)
          continue;
        ExprKey entryKey = keyOf(in.op, in.type, atEntry);
        VarId entryValue = available(entryKey, pre, dom);
        if (entryValue == kNoVar) {
          entryValue = f_.freshVar(originalName(f_.varName(in.dest)));
          Instr copy = in;
          copy.dest = entryValue;
          copy.args.assign(atEntry.begin(), atEntry.end());
          pendingPreheader_[pre].push_back(copy);
          grow(entryValue);
          planned_[entryValue] = pre;
          table_[entryKey].push_back(entryValue);
        }
        VarId phiVar = f_.freshVar(originalName(f_.varName(in.dest)));
        grow(phiVar);
        planned_[phiVar] = header;
        Instr phi;
        phi.op = Opcode::Phi;
        phi.type = in.type;
        phi.dest = phiVar;
        phi.args = {entryValue, latchValue};
        phi.labels = {pre, latch};
        phi.pos = in.pos;
        pendingPhis_.push_back({header, std::move(phi)});
        rename_[in.dest] = phiVar;
      }
    }
  }

  void grow(VarId v) {
    if (v < rename_.size())
      return;
    defIndex_.resize(v + 1, 0);
    uses_.resize(v + 1);
    rename_.resize(v + 1, kNoVar);
  }

  // Every use of `v` comes before `later` is defined: out-of-SSA can then
  // give the new phi and `later` one variable (no copy on the back edge).
  bool usesEndBefore(VarId v, VarId later, const DominatorTree &dom) const {
    BlockId lb = blockOf(later);
    for (const Use &u : uses_[v]) {
      if (u.byPhi)
        return false;
      if (u.block == lb ? u.index >= defIndex_[later] : !dom.strictlyDominates(u.block, lb))
        return false;
    }
    return true;
  }

  void apply() {
    auto resolve = [&](VarId v) {
      while (v < rename_.size() && rename_[v] != kNoVar)
        v = rename_[v];
      return v;
    };
    for (BlockId b : f_.layout) {
      std::vector<Instr> &instrs = f_.block(b).instrs;
      std::vector<Instr> kept;
      kept.reserve(instrs.size());
      for (Instr &in : instrs) {
        if (in.hasDest() && in.dest < rename_.size() && rename_[in.dest] != kNoVar)
          continue; // replaced by its phi
        kept.push_back(std::move(in));
      }
      instrs = std::move(kept);
    }
    for (auto &[pre, added] : pendingPreheader_) {
      std::vector<Instr> &instrs = f_.block(pre).instrs;
      size_t at = instrs.size() - (f_.block(pre).terminator() ? 1 : 0);
      instrs.insert(instrs.begin() + at, added.begin(), added.end());
    }
    for (NewPhi &np : pendingPhis_) {
      std::vector<Instr> &instrs = f_.block(np.header).instrs;
      instrs.insert(instrs.begin(), std::move(np.phi));
    }
    for (BlockId b : f_.layout)
      for (Instr &in : f_.block(b).instrs)
        forEachUseRef(in, [&](VarId &a) { a = resolve(a); });
  }
};

} // namespace

bool reuseValuesAcrossIterations(Function &f, AnalysisCache &facts) { return LoopCarriedValueNumbering(f, facts).run(); }

bool reuseValuesAcrossIterations(Function &f) {
  AnalysisCache facts(f);
  return reuseValuesAcrossIterations(f, facts);
}

} // namespace brisk
