#include "transforms/interprocedural/DeadFunctions.h"

#include <llvm/ADT/StringMap.h>

#include <vector>

namespace brisk {

bool removeUncalledFunctions(Program &program) {
  llvm::StringMap<size_t> index;
  for (size_t i = 0; i < program.functions.size(); ++i)
    if (!index.try_emplace(program.functions[i].name, i).second)
      return false; // duplicate names
  auto main = index.find("main");
  if (main == index.end())
    return false;
  std::vector<bool> reached(program.functions.size(), false);
  std::vector<size_t> work{main->second};
  reached[main->second] = true;
  while (!work.empty()) {
    const Function &f = program.functions[work.back()];
    work.pop_back();
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        if (in.op == Opcode::Call)
          if (auto it = index.find(in.callee); it != index.end() && !reached[it->second]) {
            reached[it->second] = true;
            work.push_back(it->second);
          }
  }
  std::vector<Function> kept;
  for (size_t i = 0; i < program.functions.size(); ++i)
    if (reached[i])
      kept.push_back(std::move(program.functions[i]));
  bool changed = kept.size() != program.functions.size();
  program.functions = std::move(kept);
  return changed;
}

} // namespace brisk
