// Rules (see LICM.h): only Pure instructions move; each moves to a block that
// dominates its old one and runs no more often than it did; its arguments'
// definitions dominate the new place (they are outside the loop, so they
// dominate the header, whose unique outside predecessor is the preheader, or
// they were hoisted into the preheader earlier in order). A `const` that only
// phis of the loop read stays (see LICM.h).
#include "transforms/loops/LICM.h"

#include "analysis/LayoutWalk.h"
#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "transforms/loops/LoopPreheaders.h"

#include <vector>

namespace brisk {

namespace {

bool isHoistable(const Instr &in) {
  if (!in.hasDest() || !isPure(in.op))
    return false;
  return in.op != Opcode::Phi && in.op != Opcode::Undef && in.op != Opcode::Get;
}

class LoopInvariantMotion {
public:
  LoopInvariantMotion(Function &f, AnalysisCache &facts) : f_(f), facts_(facts) {}

  bool run() {
    AnalysisCache &facts = facts_;
    bool changed = insertPreheaders(f_, facts);
    // New preheaders mean loops, so the definitions are needed: walked
    // first, that walk also tells whether the function has a `guard`, and
    // the CFG to rebuild then reads the terminators alone.
    bool guards = false;
    if (changed)
      recordDefinitions(guards);
    const CFG &cfg = facts.cfg(changed && !guards ? CFG::Guards::Absent : CFG::Guards::Scan);
    const DominatorTree &dom = facts.domTree();
    const LoopInfo &loops = facts.loops();
    if (loops.loops().empty())
      return changed;
    if (!changed)
      recordDefinitions(guards);
    inLoop_.assign(f_.blocks.size(), false);
    // Parents precede children in loops(): walk backwards for inner first.
    for (size_t i = loops.loops().size(); i-- > 0;)
      changed |= hoistFrom(loops.loop(LoopId(i)), cfg, dom, loops);
    return changed;
  }

private:
  Function &f_;
  AnalysisCache &facts_;
  std::vector<BlockId> defBlock_;
  // Per variable: the block whose phis are its only readers; kNoBlock
  // while it has no reader, kOtherReaders once anything else reads it.
  static constexpr BlockId kOtherReaders = kNoBlock - 1;
  std::vector<BlockId> phiReaderBlock_;

  // defBlock_ (parameters: the entry block), phiReaderBlock_, and whether
  // any instruction is a `guard`.
  void recordDefinitions(bool &guards) {
    defBlock_.assign(f_.numVars(), kNoBlock);
    phiReaderBlock_.assign(f_.numVars(), kNoBlock);
    for (const Param &p : f_.params)
      defBlock_[p.var] = f_.entry();
    walkBlocks(f_, [&](BlockId b, const Block &blk) {
      for (const Instr &in : blk.instrs) {
        if (in.hasDest())
          defBlock_[in.dest] = b;
        guards |= in.op == Opcode::Guard;
        BlockId reader = in.op == Opcode::Phi ? b : kOtherReaders;
        for (VarId a : in.args)
          if (a < phiReaderBlock_.size())
            phiReaderBlock_[a] = phiReaderBlock_[a] == kNoBlock || phiReaderBlock_[a] == reader
                                     ? reader
                                     : kOtherReaders;
      }
    });
  }

  // A `const` read only by phis of the loop: hoisted, it would be live
  // around the whole loop (the phis read it on every entry to their block),
  // so it would interfere with the phis' results and out of SSA would write
  // the constant again on the edge: no instruction saved, and a live range
  // as long as the loop (a loop of N inner loops, each with a counter that
  // starts at a constant of its own, made N such ranges over N blocks).
  bool onlyLoopPhisRead(const Instr &in) const {
    if (in.op != Opcode::Const)
      return false;
    BlockId reader = phiReaderBlock_[in.dest];
    return reader != kNoBlock && reader != kOtherReaders && inLoop_[reader];
  }
  std::vector<bool> inLoop_;

  bool hoistFrom(const Loop &loop, const CFG &cfg, const DominatorTree &dom,
                 const LoopInfo &loops) {
    BlockId pre = preheaderOf(f_, cfg, loops, loop.header);
    if (pre == kNoBlock)
      return false;
    for (BlockId b : loop.blocks)
      inLoop_[b] = true;
    llvm::SmallVector<BlockId, 4> exiting;
    for (BlockId b : loop.blocks)
      for (BlockId s : cfg.succs(b))
        if (!inLoop_[s]) {
          exiting.push_back(b);
          break;
        }
    std::vector<Instr> hoisted;
    for (BlockId b : loop.blocks) {
      bool runsEveryEntry = std::all_of(exiting.begin(), exiting.end(),
                                        [&](BlockId e) { return dom.dominates(b, e); });
      bool runsEveryIteration = std::all_of(loop.latches.begin(), loop.latches.end(),
                                            [&](BlockId l) { return dom.dominates(b, l); });
      if (!runsEveryEntry && !runsEveryIteration)
        continue;
      std::vector<Instr> &instrs = f_.block(b).instrs;
      size_t kept = 0;
      for (size_t i = 0; i < instrs.size(); ++i) {
        Instr &in = instrs[i];
        bool invariant = isHoistable(in) && !onlyLoopPhisRead(in) &&
                         std::none_of(in.args.begin(), in.args.end(), [&](VarId a) {
                           return defBlock_[a] == kNoBlock || inLoop_[defBlock_[a]];
                         });
        if (invariant) {
          defBlock_[in.dest] = pre;
          hoisted.push_back(std::move(in));
        } else if (kept != i) {
          instrs[kept++] = std::move(in);
        } else {
          ++kept;
        }
      }
      instrs.resize(kept);
    }
    for (BlockId b : loop.blocks)
      inLoop_[b] = false;
    if (hoisted.empty())
      return false;
    std::vector<Instr> &dst = f_.block(pre).instrs;
    auto at = dst.end();
    if (!dst.empty() && dst.back().isTerminator())
      at = dst.end() - 1;
    dst.insert(at, std::make_move_iterator(hoisted.begin()),
               std::make_move_iterator(hoisted.end()));
    return true;
  }
};

} // namespace

bool hoistLoopInvariants(Function &f, AnalysisCache &facts) {
  return LoopInvariantMotion(f, facts).run();
}

bool hoistLoopInvariants(Function &f) {
  AnalysisCache facts(f);
  return hoistLoopInvariants(f, facts);
}

} // namespace brisk
