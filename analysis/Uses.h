// Uses: which operands of an instruction read a variable. Every analysis and
// pass that asks "what does this instruction read" asks here, because one
// operand is not a read: the first argument of `set` names a shadow variable
// (the destination of a `get`), not a value.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>

#include <cstdint>
#include <vector>

namespace brisk {

// Index of the first argument that is a value read (1 for set, 0 otherwise).
inline unsigned firstUseIndex(const Instr &in) { return in.op == Opcode::Set ? 1 : 0; }

template <typename F> void forEachUse(const Instr &in, F &&f) {
  for (unsigned i = firstUseIndex(in); i < in.args.size(); ++i)
    f(in.args[i]);
}

// Same, with a reference so a renaming pass can rewrite the operand.
template <typename F> void forEachUseRef(Instr &in, F &&f) {
  for (unsigned i = firstUseIndex(in); i < in.args.size(); ++i)
    f(in.args[i]);
}

// The uses of each variable below a bound, in one flat table built by a
// counting sort over the layout: of(v) lists the instructions reading v (with
// their blocks) in layout order, one entry per use. The pointers hold while
// the function's instructions do not move.
class UseIndex {
public:
  struct Use {
    const Instr *instr;
    BlockId block;
  };

  // Indexes the uses in `f` of the variables below `numVars`.
  void build(const Function &f, size_t numVars) {
    auto forEachIndexedUse = [&](auto &&visit) {
      for (BlockId b : f.layout)
        for (const Instr &in : f.block(b).instrs)
          forEachUse(in, [&](VarId v) {
            if (v < numVars)
              visit(v, Use{&in, b});
          });
    };
    start_.assign(numVars + 1, 0);
    forEachIndexedUse([&](VarId v, const Use &) { ++start_[v + 1]; });
    for (size_t v = 0; v < numVars; ++v)
      start_[v + 1] += start_[v];
    uses_.resize(start_[numVars]);
    std::vector<uint32_t> next(start_.begin(), start_.end() - 1);
    forEachIndexedUse([&](VarId v, const Use &u) { uses_[next[v]++] = u; });
  }
  bool built() const { return !start_.empty(); }
  // Empty for a variable at or above the bound.
  llvm::ArrayRef<Use> of(VarId v) const {
    if (size_t(v) + 1 >= start_.size())
      return {};
    return llvm::ArrayRef<Use>(uses_).slice(start_[v], start_[v + 1] - start_[v]);
  }

private:
  std::vector<uint32_t> start_;
  std::vector<Use> uses_;
};

} // namespace brisk
