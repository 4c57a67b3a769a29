// Pipeline: the compiler's plan, as plain ordered calls (B3Generate style).
// Read Pipeline.cpp to see every pass brisk runs and in which order.
#pragma once

#include "interp/Profile.h"
#include "transforms/interprocedural/Inline.h"
#include "transforms/loops/LoopUnroll.h"
#include "transforms/PassScope.h"
#include "transforms/superblocks/ProfileWeights.h"
#include "transforms/superblocks/SuperblockFormation.h"

#include <map>
#include <string>
#include <vector>

namespace brisk {

// to-ssa, then from-ssa: what `brisk ssa --round-trip` runs.
void runSSARoundTrip(Program &program, PassContext &ctx);

// Passes of the whole-function pipeline that can be switched off (for
// measuring what each contributes: `brisk opt --no-NAME`).
struct ScalarPipelineOptions {
  bool loopCarriedGVN = true; // transforms/scalar/LoopCarriedGVN.h
  bool strengthReduction = true; // transforms/loops/StrengthReduction.h
  bool scalarReplacement = true; // transforms/memory/ScalarReplacement.h
  bool redundantLoads = true; // transforms/memory/RedundantLoads.h
  bool loadHoisting = true; // transforms/memory/LoadHoisting.h
  bool cellPromotion = true; // transforms/memory/LoopCellPromotion.h
  bool pointerOffsets = true; // transforms/memory/PointerOffsets.h
  bool linearTestReplacement = true; // transforms/loops/LinearTestReplacement.h
  bool fullUnroll = true; // transforms/loops/FullUnroll.h
  // The largest size of each function by name (the growth policy's limits)
  // for the passes that grow code here; null: no limit.
  const std::map<std::string, size_t, std::less<>> *sizeLimits = nullptr;
  // Set by a caller that knows the program has no alloc, load, store, free,
  // ptradd or call: no pass here makes one in such a program, so the memory
  // passes know each function's memory instructions (none) and the memory
  // writers (none) without a walk of the program.
  bool memoryFree = false;
};

// The optimization pipeline for a level (0: nothing). Passes that work on
// SSA go between to-ssa and from-ssa. Returns whether strength-reduce or
// lftr changed anything (the superblock pipeline then measures whether it
// paid); `reduced`, when given, receives the names of the functions they
// changed.
bool runOptimizationPipeline(Program &program, PassContext &ctx, int level,
                             const ScalarPipelineOptions &options = {},
                             llvm::StringSet<> *reduced = nullptr);

struct SuperblockPipelineOptions {
  SuperblockPipelineOptions() {
    // Inlining may take the whole 2.0x per-function growth budget (plus a
    // constant that the pipeline's growth fallback takes back from a function
    // that ends over its limit): calls inlined first get the SSA passes;
    // unrolling and superblocks get what is left (SuperblockOptions::growthLimit
    // counts from the size before inlining). Measured on the benchmarks: half
    // the budget gave a geomean of 0.574, all of it 0.572.
    inline_.callerGrowthFactor = 1.0;
    inline_.callerGrowthConstant = 10;
  }
  // Self tail calls (and accumulator recursion) become loops before inlining
  // (transforms/interprocedural/TailRecursion.h).
  bool tailRecursion = true;
  // Constants of self-recursive functions passed down their recursive calls
  // (transforms/interprocedural/RecursiveConstants.h), after tail recursion, before inlining.
  bool recursiveConstants = true;
  bool inlining = true;
  // The early inliner also takes calls that ran once where the callee is
  // called from that site only, or folds on the caller's known arguments
  // (transforms/interprocedural/Inline.h, "Beyond the profile").
  bool soleSites = true;
  bool foldingSites = true;
  // Functions left without a caller are deleted at the end
  // (transforms/interprocedural/DeadFunctions.h).
  bool deadFunctions = true;
  // The whole-function SSA passes (runOptimizationPipeline) after inlining;
  // they need the profile's recorded training inputs (Profile::inputs).
  bool scalarOptimizations = true;
  // Counted-loop unrolling (transforms/loops/LoopUnroll.h) on the re-profiled
  // program, within the superblocks' growth budget; needs recorded inputs too.
  bool unrolling = true;
  // The growth policy (see growthLimits in Pipeline.cpp). Every function may
  // grow to superblocks.growthLimit x its size; a hot one (its own dynamic
  // count at least hotShare of the program's, or it calls a hot function from
  // a site that ran) to the larger of that and its size + hotGrowthConstant,
  // so that tiny hot functions (a one-call main, a 10-instruction loop) have
  // room to inline into and unroll. The extra is handed out hottest first
  // while the limits add up to at most programGrowthLimit x the program.
  // A caller that takes in a callee at its sole call site (Inline.h) takes
  // over the callee's limit and speculative allowance; the callee goes.
  size_t hotGrowthConstant = 64;
  double hotShare = 0.01;
  double programGrowthLimit = 2.5;
  ScalarPipelineOptions scalar;
  InlineOptions inline_;
  LoopUnrollOptions unroll;
  SuperblockOptions superblocks;
};

// `brisk opt` / `brisk pgo`: inline hot calls, run the whole-function SSA
// passes and profile the result again on the training inputs the profile
// recorded, form superblocks (speculative or with branch exits, by the cost
// model), then a last dead-code sweep. `profile` must match `program`.
//
// A function that uses speculate, guard or commit itself comes back exactly
// as written, with a remark (decision "untouched") saying why: most passes
// assume no speculation (SSA construction and trace selection refuse such a
// function), and the others could change where its speculation is active,
// which brili makes visible (a call or ret while speculating is an error).
// Its callees are still optimized (under brili they never run speculating),
// and it is never inlined (Inline.h). Functions that no chain of calls from
// `main` reaches in the result (every call of them was inlined) are dropped;
// a program without `main` keeps them all.
void runSuperblockPipeline(Program &program, const Profile &profile, PassContext &ctx,
                           const SuperblockPipelineOptions &options,
                           std::vector<RegionRemark> *remarks);

} // namespace brisk
