#include "transforms/loops/LoopDefinitions.h"

#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/LayoutWalk.h"
#include "analysis/Loops.h"
#include "transforms/loops/LoopPreheaders.h"

namespace brisk {

void DefSites::build(const Function &f) {
  size_t n = f.numVars();
  def_.assign(n, nullptr);
  block_.assign(n, kNoBlock);
  undef_.assign(n, false);
  BlockId entry = f.layout.empty() ? kNoBlock : f.entry();
  for (const Param &p : f.params)
    block_[p.var] = entry;
  walkBlocks(f, [&](BlockId b, const Block &blk) {
    for (const Instr &in : blk.instrs)
      if (in.hasDest()) {
        def_[in.dest] = &in;
        block_[in.dest] = b;
        undef_[in.dest] = in.op == Opcode::Undef;
      }
  });
}

void DefSites::addPlanned(VarId v, BlockId b) {
  if (v >= block_.size()) {
    def_.resize(v + 1, nullptr);
    block_.resize(v + 1, kNoBlock);
    undef_.resize(v + 1, false);
  }
  block_[v] = b;
}

bool DefSites::invariantIn(VarId v, const LoopInfo &loops, LoopId id) const {
  BlockId b = block(v);
  return b != kNoBlock && !isUndef(v) && !loops.contains(id, b);
}

std::optional<int64_t> DefSites::intConstant(VarId v) const {
  const Instr *d = def(v);
  if (!d || d->op != Opcode::Const || d->type != Type::intTy())
    return std::nullopt;
  return d->value.asInt();
}

VarId DefSites::stripCopies(VarId v) const {
  for (int hops = 0; hops < 16; ++hops) {
    const Instr *d = def(v);
    if (!d || d->op != Opcode::Id || d->args.size() != 1)
      break;
    v = d->args[0];
  }
  return v;
}

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
