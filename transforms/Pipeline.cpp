#include "transforms/Pipeline.h"

#include "transforms/PassRegistry.h"

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
  runPass(program, ctx, kFromSSAPass);
}

} // namespace brisk
