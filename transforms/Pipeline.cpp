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
  // SSA optimizations go here.
  // Rotation first: its body blocks then run once per entry, so LICM may hoist
  // from them; GVN last merges hoisted constants with earlier ones and folds
  // the copies rotation leaves.
  runPass(program, ctx, kLoopRotationPass);
  runPass(program, ctx, kLICMPass);
  runPass(program, ctx, kGVNPass);
  runPass(program, ctx, kFromSSAPass);
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
