#include "analysis/MaySpeculate.h"

#include "analysis/CFG.h"

namespace brisk {

bool usesSpeculation(const Function &f) {
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.info().effect == EffectClass::Guard)
        return true;
  return false;
}

MaySpeculate::MaySpeculate(const Function &f) : uses_(brisk::usesSpeculation(f)) {
  if (!uses_ || f.layout.empty())
    return;
  state_.resize(f.blocks.size());
  // The nesting depth at each block's entry: kUnreached, a known depth, or
  // kUnknown once two paths disagree (or nesting grows past kMaxDepth).
  constexpr int kUnreached = -2, kUnknown = -1, kMaxDepth = 64;
  std::vector<int> entry(f.blocks.size(), kUnreached);
  std::vector<BlockId> work;
  auto reach = [&](BlockId t, int depth) {
    if (t >= entry.size() || entry[t] == depth || entry[t] == kUnknown)
      return;
    entry[t] = entry[t] == kUnreached ? depth : kUnknown;
    work.push_back(t);
  };
  std::vector<BlockId> fallsTo = fallthroughs(f);
  reach(f.layout[0], 0);
  while (!work.empty()) {
    BlockId b = work.back();
    work.pop_back();
    const std::vector<Instr> &instrs = f.block(b).instrs;
    int d = entry[b];
    state_[b].assign(instrs.size(), 0);
    for (size_t i = 0; i < instrs.size(); ++i) {
      const Instr &in = instrs[i];
      state_[b][i] = d != 0;
      if (in.op == Opcode::Speculate)
        d = d == kUnknown || d >= kMaxDepth ? kUnknown : d + 1;
      else if (in.op == Opcode::Commit)
        d = 0;
      else if (in.op == Opcode::Guard)
        for (BlockId t : in.labels)
          reach(t, d > 0 ? d - 1 : d); // outside speculation it fails with an error
    }
    if (const Instr *term = f.block(b).terminator()) {
      if (term->op != Opcode::Ret)
        for (BlockId t : term->labels)
          reach(t, d);
    } else if (BlockId next = fallsTo[b]; next != kNoBlock) {
      reach(next, d);
    }
  }
}

} // namespace brisk
