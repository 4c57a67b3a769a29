#include "analysis/DefSites.h"

#include "analysis/LayoutWalk.h"

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

} // namespace brisk
