// LoopDefinitions: what the SSA loop passes (linear function test
// replacement, strength reduction, loop-carried GVN) read about variables
// and loops while they match a loop, written once:
//
//   DefSites      each variable's defining instruction and block, and
//                 whether it is `undef`, from one walk of the function;
//   SimpleLoop    a loop with one latch and a preheader, entered only from
//                 the two (its header has exactly those two predecessors);
//   matchBasicInduction
//                 a header phi counting by a constant step.
//
// DefSites contract. build(f) records, for every variable below
// f.numVars() at that moment: def(v), the instruction defining it (the last
// one in layout order if there were several; nullptr for a parameter or a
// variable nothing defines); block(v), that instruction's block (the entry
// block for a parameter, kNoBlock when nothing defines v); isUndef(v),
// whether that instruction is `undef`. A variable at or above the bound
// (created after build) reads as never defined: nullptr, kNoBlock, false.
// The pointers hold while the function's instructions do not move: a pass
// builds it, matches, and edits only afterwards. A pass that plans new
// definitions before it edits records each with addPlanned(v, b): block(v)
// is then b, def(v) stays nullptr (the instruction is not in place yet).
#pragma once

#include "analysis/Loops.h"
#include "ir/IR.h"

#include <llvm/ADT/STLFunctionalExtras.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace brisk {

class CFG;
class DominatorTree;

class DefSites {
public:
  void build(const Function &f);

  size_t size() const { return def_.size(); }
  const Instr *def(VarId v) const { return v < def_.size() ? def_[v] : nullptr; }
  BlockId block(VarId v) const { return v < block_.size() ? block_[v] : kNoBlock; }
  bool isUndef(VarId v) const { return v < undef_.size() && undef_[v]; }
  void addPlanned(VarId v, BlockId b);

  // Defined (by something other than `undef`) in a block outside loop `id`:
  // the same value in every iteration, and a real one.
  bool invariantIn(VarId v, const LoopInfo &loops, LoopId id) const;
  // The value of an int `const` defining v.
  std::optional<int64_t> intConstant(VarId v) const;
  // v without the `id` copies in front of it (at most 16 hops).
  VarId stripCopies(VarId v) const;

private:
  std::vector<const Instr *> def_;
  std::vector<BlockId> block_;
  std::vector<bool> undef_;
};

// A loop the SSA loop passes rewrite: one latch, and a preheader that with
// the latch makes the header's only two predecessors.
struct SimpleLoop {
  BlockId header = kNoBlock;
  BlockId latch = kNoBlock;
  BlockId preheader = kNoBlock;
};
std::optional<SimpleLoop> simpleLoop(const Function &f, const Loop &loop, const CFG &cfg,
                                     const LoopInfo &loops);

// A header phi `phi = phi init next'` (int, two arguments) whose argument
// from `latch` is, through `id` copies, `add phi c`, `add c phi` or
// `sub phi c`, computed in a block that dominates the latch, with c an int
// `const` for which `invariant(c)` holds. The caller judges `init` (and a
// zero step) by its own rules.
struct BasicInduction {
  VarId phi = kNoVar;
  VarId init = kNoVar;       // the argument from the preheader
  VarId latchArg = kNoVar;   // the argument from the latch, copies included
  VarId next = kNoVar;       // latchArg without its copies: update's result
  const Instr *update = nullptr;
  int64_t step = 0;          // c, or -c for sub (wrapping)
};
std::optional<BasicInduction> matchBasicInduction(const Instr &phi, BlockId latch,
                                                  const DefSites &defs,
                                                  const DominatorTree &dom,
                                                  llvm::function_ref<bool(VarId)> invariant);

} // namespace brisk
