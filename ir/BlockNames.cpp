#include "backend/BlockNames.h"

#include <llvm/ADT/StringSet.h>

namespace brisk {

std::vector<std::string> blockNames(const Function &function) {
  std::vector<std::string> names(function.blocks.size());
  std::vector<bool> targeted(function.blocks.size(), false);
  llvm::StringSet<> taken;
  for (BlockId b : function.layout) {
    const Block &block = function.block(b);
    names[b] = block.label;
    if (block.hasLabel())
      taken.insert(block.label);
    for (const Instr &in : block.instrs)
      for (BlockId t : in.labels)
        if (t < targeted.size())
          targeted[t] = true;
  }
  unsigned counter = 0;
  for (BlockId b = 0; b < names.size(); ++b) {
    if (!targeted[b] || !names[b].empty())
      continue;
    std::string candidate;
    do
      candidate = "b." + std::to_string(counter++);
    while (taken.count(candidate));
    taken.insert(candidate);
    names[b] = std::move(candidate);
  }
  return names;
}

} // namespace brisk
