// LoopDefinitions: what the SSA loop passes (linear function test
// replacement, strength reduction, loop-carried GVN) read about variables
// and loops while they match a loop, written once:
//
//   DefSites      (analysis/DefSites.h, taken from the pass's
//                 AnalysisCache) each variable's defining instruction and
//                 block;
//   SimpleLoop    a loop with one latch and a preheader, entered only from
//                 the two (its header has exactly those two predecessors);
//   matchBasicInduction
//                 a header phi counting by a constant step.
#pragma once

#include "analysis/DefSites.h"
#include "analysis/Loops.h"
#include "ir/IR.h"

#include <llvm/ADT/STLFunctionalExtras.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace brisk {

class CFG;
class DominatorTree;

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
