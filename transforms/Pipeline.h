// Pipeline: the compiler's plan, as plain ordered calls (B3Generate style).
// Read Pipeline.cpp to see every pass brisk runs and in which order.
#pragma once

#include "transforms/PassScope.h"

namespace brisk {

// to-ssa, then from-ssa: what `brisk ssa --round-trip` runs.
void runSSARoundTrip(Program &program, PassContext &ctx);

// The optimization pipeline for a level (0: nothing). Passes that work on
// SSA go between to-ssa and from-ssa.
void runOptimizationPipeline(Program &program, PassContext &ctx, int level);

} // namespace brisk
