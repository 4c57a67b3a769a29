#include "transforms/ssa/PhisToSetGet.h"

#include <vector>

namespace brisk {

bool phisToSetGet(Function &f) {
  std::vector<std::vector<Instr>> sets(f.blocks.size());
  bool changed = false;
  for (BlockId b : f.layout)
    for (Instr &in : f.block(b).instrs) {
      if (in.op != Opcode::Phi)
        break;
      for (size_t k = 0; k < in.args.size(); ++k) {
        Instr set;
        set.op = Opcode::Set;
        set.args = {in.dest, in.args[k]};
        set.pos = in.pos;
        sets[in.labels[k]].push_back(std::move(set));
      }
      in.op = Opcode::Get;
      in.args.clear();
      in.labels.clear();
      changed = true;
    }
  for (BlockId b : f.layout) {
    std::vector<Instr> &instrs = f.block(b).instrs;
    auto at = f.block(b).terminator() ? instrs.end() - 1 : instrs.end();
    instrs.insert(at, std::make_move_iterator(sets[b].begin()),
                  std::make_move_iterator(sets[b].end()));
  }
  return changed;
}

} // namespace brisk
