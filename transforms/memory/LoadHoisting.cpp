#include "transforms/memory/LoadHoisting.h"

#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "analysis/MemoryAlias.h"
#include "transforms/loops/LoopPreheaders.h"

#include <algorithm>
#include <vector>

namespace brisk {

namespace {

class InvariantLoadMotion {
public:
  InvariantLoadMotion(Function &f, const llvm::StringSet<> *writers, AnalysisCache &facts,
                      const MemoryOps *ops)
      : f_(f), writers_(writers), facts_(facts), ops_(ops) {}

  bool run() {
    AnalysisCache &facts = facts_;
    bool changed = insertPreheaders(f_, facts);
    if (!(ops_ ? ops_->load : hasLoad()))
      return changed; // nothing to hoist: no loops or alias facts needed
    const CFG &cfg = facts.cfg();
    const DominatorTree &dom = facts.domTree();
    const LoopInfo &loops = facts.loops();
    if (loops.loops().empty())
      return changed;
    MemoryAlias alias(f_, writers_, dom);
    defBlock_.assign(f_.numVars(), kNoBlock);
    for (const Param &p : f_.params)
      defBlock_[p.var] = cfg.entry();
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.hasDest())
          defBlock_[in.dest] = b;
    inLoop_.assign(f_.blocks.size(), false);
    clean_.assign(f_.blocks.size(), false);
    // Parents precede children in loops(): walk backwards for inner first.
    for (size_t i = loops.loops().size(); i-- > 0;)
      changed |= hoistFrom(LoopId(i), cfg, dom, loops, alias);
    return changed;
  }

private:
  Function &f_;
  const llvm::StringSet<> *writers_;
  AnalysisCache &facts_;
  const MemoryOps *ops_; // null: hasLoad() looks

  bool hasLoad() const {
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == Opcode::Load)
          return true;
    return false;
  }

  std::vector<BlockId> defBlock_;
  std::vector<bool> inLoop_;
  std::vector<bool> clean_; // the paths from the header through the block's end are clean

  // A store, free or call of the loop (a call of a function that may write
  // memory): its opcode and address.
  struct Writer {
    Opcode op;
    VarId address;
  };

  // Something in the loop may change or free the cell `p` points to.
  static bool clobbered(VarId p, const std::vector<Writer> &writers, const MemoryAlias &alias) {
    return std::any_of(writers.begin(), writers.end(), [&](const Writer &w) {
      switch (w.op) {
      case Opcode::Store:
        return alias.mayAlias(p, w.address);
      case Opcode::Free:
        return alias.maySameObject(p, w.address);
      default:
        return alias.callMayTouch(p);
      }
    });
  }

  bool hoistFrom(LoopId id, const CFG &cfg, const DominatorTree &dom, const LoopInfo &loops,
                 const MemoryAlias &alias) {
    const Loop &loop = loops.loop(id);
    BlockId pre = preheaderOf(f_, cfg, loops, loop.header);
    if (pre == kNoBlock)
      return false;
    for (BlockId b : loop.blocks)
      inLoop_[b] = true;
    std::vector<Writer> writers;
    llvm::SmallVector<BlockId, 4> exiting;
    for (BlockId b : loop.blocks) {
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == Opcode::Store || in.op == Opcode::Free)
          writers.push_back({in.op, in.args[0]});
        else if (in.op == Opcode::Call && alias.callMayWriteMemory(in))
          writers.push_back({in.op, kNoVar});
      for (BlockId s : cfg.succs(b))
        if (!inLoop_[s]) {
          exiting.push_back(b);
          break;
        }
    }
    std::vector<Instr> hoisted;
    // loop.blocks is the header, then the body in RPO: a block's forward
    // predecessors in the loop come before it.
    for (BlockId b : loop.blocks) {
      bool reachedClean =
          b == loop.header ||
          std::all_of(cfg.preds(b).begin(), cfg.preds(b).end(),
                      [&](BlockId p) { return inLoop_[p] && clean_[p]; });
      clean_[b] = false;
      if (!reachedClean || loops.loopOf(b) != id)
        continue;
      bool runsFirst =
          std::all_of(exiting.begin(), exiting.end(),
                      [&](BlockId e) { return dom.dominates(b, e); }) &&
          std::all_of(loop.latches.begin(), loop.latches.end(),
                      [&](BlockId l) { return dom.dominates(b, l); });
      std::vector<Instr> &instrs = f_.block(b).instrs;
      size_t kept = 0, i = 0;
      for (; i < instrs.size(); ++i) {
        Instr &in = instrs[i];
        if (runsFirst && in.op == Opcode::Load && defBlock_[in.args[0]] != kNoBlock &&
            !inLoop_[defBlock_[in.args[0]]] && !clobbered(in.args[0], writers, alias)) {
          defBlock_[in.dest] = pre;
          hoisted.push_back(std::move(in));
          continue;
        }
        if (keepsOrder(in.op))
          break;
        if (kept != i)
          instrs[kept] = std::move(in);
        ++kept;
      }
      clean_[b] = i == instrs.size();
      if (kept != i) {
        std::move(instrs.begin() + ptrdiff_t(i), instrs.end(), instrs.begin() + ptrdiff_t(kept));
        instrs.resize(instrs.size() - (i - kept));
      }
    }
    for (BlockId b : loop.blocks)
      inLoop_[b] = clean_[b] = false;
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

bool hoistInvariantLoads(Function &f, const llvm::StringSet<> *memoryWriters,
                         AnalysisCache &facts, const MemoryOps *ops) {
  return InvariantLoadMotion(f, memoryWriters, facts, ops).run();
}

bool hoistInvariantLoads(Function &f, const llvm::StringSet<> *memoryWriters) {
  AnalysisCache facts(f);
  return hoistInvariantLoads(f, memoryWriters, facts);
}

} // namespace brisk
