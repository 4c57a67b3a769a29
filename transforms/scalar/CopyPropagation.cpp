#include "transforms/scalar/CopyPropagation.h"

#include "analysis/LayoutWalk.h"
#include "analysis/Uses.h"
#include "transforms/scalar/PhiValue.h"

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
    // them alone, in layout order, from a flat copy of their operands
    // rather than from the instructions (a cache miss each, every round).
    walkBlocks(f_, [&](BlockId, const Block &blk) {
      for (const Instr &in : blk.instrs)
        if (in.hasDest() && (in.op == Opcode::Id || in.op == Opcode::Phi)) {
          candidates_.push_back({in.dest, uint32_t(candidateArgs_.size()), in.op == Opcode::Phi});
          candidateArgs_.insert(candidateArgs_.end(), in.args.begin(), in.args.end());
        }
    });
    candidates_.push_back({kNoVar, uint32_t(candidateArgs_.size()), false}); // the end
    bool any = false;
    for (bool progress = true; progress;) {
      progress = false;
      for (size_t c = 0; c + 1 < candidates_.size(); ++c) {
        VarId dest = candidates_[c].dest;
        if (find(dest) == dest)
          if (VarId v = copiedValue(c); v != kNoVar) {
            leader_[dest] = v;
            progress = any = true;
          }
      }
    }
    if (!any)
      return false;
    keepCopiesFeedingPhis();
    // Only a candidate's leader ever changes: when keepCopiesFeedingPhis
    // has put every one back, the rewrite would find nothing to do, and a
    // walk over a function of a million instructions (a cache miss per
    // instruction) is not made to learn that. (On bench/big_function.py's
    // programs every copy the pipeline's copy-prop finds feeds a phi.)
    bool anyGoes = false;
    for (size_t c = 0; c + 1 < candidates_.size() && !anyGoes; ++c)
      anyGoes = find(candidates_[c].dest) != candidates_[c].dest;
    if (!anyGoes)
      return false;
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
    for (size_t c = 0; c + 1 < candidates_.size(); ++c)
      if (!candidates_[c].phi)
        isCopy[candidates_[c].dest] = true;
    // Phis stand at the tops of blocks: the candidates hold every phi, in
    // layout order.
    for (size_t c = 0; c + 1 < candidates_.size(); ++c) {
      if (!candidates_[c].phi)
        continue;
      if (find(candidates_[c].dest) != candidates_[c].dest)
        continue; // the phi goes
      for (VarId a : argsOf(c))
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

  llvm::ArrayRef<VarId> argsOf(size_t c) const {
    return {candidateArgs_.data() + candidates_[c].argBegin,
            candidateArgs_.data() + candidates_[c + 1].argBegin};
  }

  // The value candidate c merely copies, or kNoVar.
  VarId copiedValue(size_t c) {
    const Candidate &in = candidates_[c];
    if (!in.phi) {
      VarId v = find(candidateArgs_[in.argBegin]);
      return v == in.dest ? kNoVar : v;
    }
    return phiValue(in.dest, argsOf(c), [&](VarId a) { return find(a); });
  }

  Function &f_;
  std::vector<VarId> leader_;
  // Every id and phi with a destination, in layout order, and one more
  // entry marking the end of the last one's arguments in candidateArgs_.
  struct Candidate {
    VarId dest;
    uint32_t argBegin; // its arguments: candidateArgs_[argBegin, next's argBegin)
    bool phi;          // else an id
  };
  std::vector<Candidate> candidates_;
  std::vector<VarId> candidateArgs_;
};

} // namespace

bool propagateCopies(Function &f) { return CopyPropagator(f).run(); }

} // namespace brisk
