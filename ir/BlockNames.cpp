#include "ir/BlockNames.h"

#include <llvm/ADT/DenseSet.h>
#include <llvm/ADT/StringRef.h>

#include <algorithm>

namespace brisk {

std::vector<std::string> blockNames(const Function &function, bool *sawGuard) {
  std::vector<std::string> names(function.blocks.size());
  std::vector<bool> targeted(function.blocks.size(), false);
  bool guard = false;
  for (BlockId b : function.layout) {
    const Block &block = function.block(b);
    names[b] = block.label;
    for (const Instr &in : block.instrs) {
      guard |= in.op == Opcode::Guard;
      for (BlockId t : in.labels)
        if (t < targeted.size())
          targeted[t] = true;
    }
  }
  if (sawGuard)
    *sawGuard = guard;
  std::vector<BlockId> unnamed;
  for (BlockId b = 0; b < names.size(); ++b)
    if (targeted[b] && names[b].empty())
      unnamed.push_back(b);
  if (unnamed.empty())
    return names;
  // Views into `names`, which is not resized from here on.
  llvm::DenseSet<llvm::StringRef> taken;
  taken.reserve(function.layout.size() + unnamed.size());
  for (BlockId b : function.layout)
    if (function.block(b).hasLabel())
      taken.insert(names[b]);
  unsigned counter = 0;
  std::string candidate;
  for (BlockId b : unnamed) {
    do
      candidate = "b." + std::to_string(counter++);
    while (taken.count(candidate));
    names[b] = std::move(candidate);
    taken.insert(names[b]);
  }
  return names;
}

std::string blockRef(const Function &function, const std::vector<std::string> &names, BlockId b) {
  // Unlabeled blocks in a row read "(after (after .L))": rare, and still
  // says where to look.
  std::string opening, closing;
  while (b >= names.size() || names[b].empty()) {
    auto at = std::find(function.layout.begin(), function.layout.end(), b);
    if (at == function.layout.end())
      return opening + "(block " + std::to_string(b) + ", not in the layout)" + closing;
    if (at == function.layout.begin())
      return opening + "(entry)" + closing;
    opening += "(after ";
    closing += ")";
    b = *(at - 1);
  }
  return opening + "." + names[b] + closing;
}

std::string blockRef(const Function &function, BlockId b) {
  if (b < function.blocks.size() && function.block(b).hasLabel())
    return "." + function.block(b).label;
  return blockRef(function, blockNames(function), b);
}

} // namespace brisk
