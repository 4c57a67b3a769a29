#include "transforms/scalar/CopyPropagation.h"

#include "analysis/LayoutWalk.h"
#include "analysis/Uses.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace brisk {

namespace {

class CopyPropagator {
public:
  explicit CopyPropagator(Function &f) : f_(f), leader_(f.numVars()) {
    std::iota(leader_.begin(), leader_.end(), VarId(0));
  }

  bool run() {
    // Only copies and phis can copy: the rounds to the fixpoint visit
    // them alone, in layout order, without walking the function again.
    walkBlocks(f_, [&](BlockId, const Block &blk) {
      for (const Instr &in : blk.instrs)
        if (in.hasDest() && (in.op == Opcode::Id || in.op == Opcode::Phi))
          candidates_.push_back(&in);
    });
    bool any = false;
    for (bool progress = true; progress;) {
      progress = false;
      for (const Instr *in : candidates_)
        if (find(in->dest) == in->dest)
          if (VarId v = copiedValue(*in); v != kNoVar) {
            leader_[in->dest] = v;
            progress = any = true;
          }
    }
    if (!any)
      return false;
    keepCopiesFeedingPhis();
    walkBlocks(f_, [&](BlockId, Block &blk) {
      auto &ins = blk.instrs;
      std::erase_if(ins, [&](const Instr &in) { return in.hasDest() && find(in.dest) != in.dest; });
      // An operand is written only when it changes: a store to every one
      // would dirty every instruction's cache lines.
      for (Instr &in : ins)
        forEachUseRef(in, [&](VarId &v) {
          if (VarId l = find(v); l != v)
            v = l;
        });
    });
    return true;
  }

private:
  // An `id` read by a phi that stays is kept (see the header): out of SSA it
  // coalesces with the phi for free, while its source, live across the join,
  // would interfere with the phi and cost copies (even a swap) there.
  void keepCopiesFeedingPhis() {
    std::vector<bool> isCopy(f_.numVars(), false);
    for (const Instr *in : candidates_)
      if (in->op == Opcode::Id)
        isCopy[in->dest] = true;
    // Phis stand at the tops of blocks: the candidates hold every phi, in
    // layout order.
    for (const Instr *in : candidates_) {
      if (in->op != Opcode::Phi)
        continue;
      if (find(in->dest) != in->dest)
        continue; // the phi goes
      for (VarId a : in->args)
        if (isCopy[a])
          leader_[a] = a;
    }
  }

  VarId find(VarId v) {
    while (leader_[v] != v) {
      leader_[v] = leader_[leader_[v]];
      v = leader_[v];
    }
    return v;
  }

  // The value `in` merely copies, or kNoVar.
  VarId copiedValue(const Instr &in) {
    if (in.op == Opcode::Id) {
      VarId v = find(in.args[0]);
      return v == in.dest ? kNoVar : v;
    }
    if (in.op != Opcode::Phi)
      return kNoVar;
    VarId same = kNoVar;
    for (VarId a : in.args) {
      VarId v = find(a);
      if (v == in.dest || v == same)
        continue;
      if (same != kNoVar)
        return kNoVar;
      same = v;
    }
    return same;
  }

  Function &f_;
  std::vector<VarId> leader_;
  std::vector<const Instr *> candidates_; // every id and phi with a destination
};

} // namespace

bool propagateCopies(Function &f) { return CopyPropagator(f).run(); }

} // namespace brisk
