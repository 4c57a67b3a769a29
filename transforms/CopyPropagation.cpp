#include "transforms/CopyPropagation.h"

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
    // Each round is linear; a round finds new copies only when an earlier
    // decision made a phi trivial, so chains of phis settle in a few rounds.
    bool any = false;
    for (bool progress = true; progress;) {
      progress = false;
      for (BlockId b : f_.layout)
        for (const Instr &in : f_.block(b).instrs)
          if (in.hasDest() && find(in.dest) == in.dest)
            if (VarId v = copiedValue(in); v != kNoVar) {
              leader_[in.dest] = v;
              progress = any = true;
            }
    }
    if (!any)
      return false;
    for (BlockId b : f_.layout) {
      auto &ins = f_.block(b).instrs;
      std::erase_if(ins, [&](const Instr &in) { return in.hasDest() && find(in.dest) != in.dest; });
      for (Instr &in : ins)
        forEachUseRef(in, [&](VarId &v) { v = find(v); });
    }
    return true;
  }

private:
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
};

} // namespace

bool propagateCopies(Function &f) { return CopyPropagator(f).run(); }

} // namespace brisk
