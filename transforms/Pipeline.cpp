#include "transforms/Pipeline.h"

#include "transforms/DeadCode.h"
#include "transforms/PassRegistry.h"

#include <map>

namespace brisk {

void runSSARoundTrip(Program &program, PassContext &ctx) {
  runPass(program, ctx, kToSSAPass);
  runPass(program, ctx, kFromSSAPass);
}

void runOptimizationPipeline(Program &program, PassContext &ctx, int level) {
  if (level <= 0)
    return;
  runPass(program, ctx, kToSSAPass);
  // Clean first: constants folded, copies and dead code gone, branches on
  // constants and jump-only blocks removed, so the loop passes see the real
  // loops.
  runPass(program, ctx, kSCCPPass);
  runPass(program, ctx, kCopyPropagationPass);
  runPass(program, ctx, kAggressiveDCEPass);
  runPass(program, ctx, kSimplifyCFGPass);
  // Rotation first: its body blocks then run once per entry, so LICM may hoist
  // from them; GVN last merges hoisted constants with earlier ones and folds
  // the copies rotation leaves.
  runPass(program, ctx, kLoopRotationPass);
  runPass(program, ctx, kLICMPass);
  runPass(program, ctx, kGVNPass);
  // Again after the loop passes: what GVN proved equal or constant folds
  // further; then what is left moves to the paths that use it, and block
  // placement turns the hot jumps into fall-throughs.
  runPass(program, ctx, kSCCPPass);
  runPass(program, ctx, kCopyPropagationPass);
  runPass(program, ctx, kAggressiveDCEPass);
  runPass(program, ctx, kSinkPass);
  runPass(program, ctx, kSimplifyCFGPass);
  runPass(program, ctx, kFromSSAPass);
  // Out of SSA, blocks whose phis were their only content may now just jump.
  runPass(program, ctx, kSimplifyCFGPass);
}

void runSuperblockPipeline(Program &program, const Profile &profile, PassContext &ctx,
                           const SuperblockPipelineOptions &options,
                           std::vector<RegionRemark> *remarks) {
  ProgramWeights weights = ProgramWeights::fromProfile(program, profile);
  std::map<std::string, size_t> sizeBefore; // the code-growth budget's base
  for (const Function &f : program.functions)
    sizeBefore.try_emplace(f.name, f.instrCount());
  if (options.inlining) {
    PassScope scope(ctx, "inline", program);
    inlineHotCalls(program, weights, options.inline_);
  }
  {
    PassScope scope(ctx, "superblocks", program);
    for (Function &f : program.functions)
      formSuperblocks(f, weights.of(f), profile.function(f.name), sizeBefore[f.name],
                      options.superblocks, remarks);
  }
  {
    PassScope scope(ctx, "dce", program);
    for (Function &f : program.functions) {
      eliminateDeadCode(f);
      removeUnreachableBlocks(f);
    }
  }
}

} // namespace brisk
