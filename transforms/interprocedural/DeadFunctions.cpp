#include "transforms/interprocedural/DeadFunctions.h"

#include <llvm/ADT/StringMap.h>

#include <algorithm>
#include <vector>

namespace brisk {

namespace {

// Which functions of `program` main reaches through calls, by index; empty
// when the program is to be left alone (no main, or duplicate names).
std::vector<bool> functionsReachedFromMain(const Program &program) {
  llvm::StringMap<size_t> index;
  for (size_t i = 0; i < program.functions.size(); ++i)
    if (!index.try_emplace(program.functions[i].name, i).second)
      return {}; // duplicate names
  auto main = index.find("main");
  if (main == index.end())
    return {};
  std::vector<bool> reached(program.functions.size(), false);
  std::vector<size_t> work{main->second};
  reached[main->second] = true;
  // Once every function is reached the rest of the walk can add nothing: a
  // program that is one large main, or whose callees all appear early,
  // costs no walk over the rest of its code.
  size_t unreached = program.functions.size() - 1;
  while (!work.empty() && unreached > 0) {
    const Function &f = program.functions[work.back()];
    work.pop_back();
    for (BlockId b : f.layout) {
      for (const Instr &in : f.block(b).instrs)
        if (in.op == Opcode::Call)
          if (auto it = index.find(in.callee); it != index.end() && !reached[it->second]) {
            reached[it->second] = true;
            work.push_back(it->second);
            --unreached;
          }
      if (unreached == 0)
        break;
    }
  }
  return reached;
}

} // namespace

size_t liveInstrCount(const Program &program) {
  std::vector<bool> reached = functionsReachedFromMain(program);
  if (reached.empty())
    return program.instrCount();
  size_t n = 0;
  for (size_t i = 0; i < program.functions.size(); ++i)
    if (reached[i])
      n += program.functions[i].instrCount();
  return n;
}

bool removeUncalledFunctions(Program &program) {
  std::vector<bool> reached = functionsReachedFromMain(program);
  if (reached.empty() || std::find(reached.begin(), reached.end(), false) == reached.end())
    return false;
  std::vector<Function> kept;
  for (size_t i = 0; i < program.functions.size(); ++i)
    if (reached[i])
      kept.push_back(std::move(program.functions[i]));
  bool changed = kept.size() != program.functions.size();
  program.functions = std::move(kept);
  return changed;
}

} // namespace brisk
