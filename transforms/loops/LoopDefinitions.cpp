#include "transforms/loops/LoopDefinitions.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "transforms/loops/LoopPreheaders.h"

namespace brisk {

std::optional<SimpleLoop> simpleLoop(const Function &f, const Loop &loop, const CFG &cfg,
                                     const LoopInfo &loops) {
  if (loop.latches.size() != 1)
    return std::nullopt;
  BlockId pre = preheaderOf(f, cfg, loops, loop.header);
  if (pre == kNoBlock || cfg.preds(loop.header).size() != 2)
    return std::nullopt;
  return SimpleLoop{loop.header, loop.latches[0], pre};
}

std::optional<BasicInduction> matchBasicInduction(const Instr &phi, BlockId latch,
                                                  const DefSites &defs,
                                                  const DominatorTree &dom,
                                                  llvm::function_ref<bool(VarId)> invariant) {
  if (phi.op != Opcode::Phi || phi.type != Type::intTy() || phi.args.size() != 2)
    return std::nullopt;
  size_t fromLatch = phi.labels[0] == latch ? 0 : 1;
  BasicInduction iv;
  iv.phi = phi.dest;
  iv.init = phi.args[1 - fromLatch];
  iv.latchArg = phi.args[fromLatch];
  // The update, through the copies rotation leaves (`i.5 = id i.4`).
  iv.next = defs.stripCopies(iv.latchArg);
  const Instr *u = defs.def(iv.next);
  if (!u || !dom.dominates(defs.block(iv.next), latch) || u->args.size() != 2)
    return std::nullopt;
  VarId x = defs.stripCopies(u->args[0]), y = defs.stripCopies(u->args[1]);
  // The step operand: the one that is not the phi.
  VarId c = kNoVar;
  bool negate = false;
  if (u->op == Opcode::Add && x == phi.dest)
    c = u->args[1];
  else if (u->op == Opcode::Add && y == phi.dest)
    c = u->args[0];
  else if (u->op == Opcode::Sub && x == phi.dest)
    c = u->args[1], negate = true;
  else
    return std::nullopt;
  std::optional<int64_t> k = defs.intConstant(c);
  if (!k || !invariant(c))
    return std::nullopt;
  iv.update = u;
  iv.step = negate ? int64_t(uint64_t(0) - uint64_t(*k)) : *k;
  return iv;
}

} // namespace brisk
