#include "transforms/Pipeline.h"

#include "analysis/MaySpeculate.h"
#include "interp/Interpreter.h"
#include "transforms/loops/CopyUnroll.h"
#include "transforms/superblocks/DeadCode.h"
#include "transforms/PassRegistry.h"
#include "transforms/interprocedural/RecursiveConstants.h"
#include "transforms/interprocedural/TailRecursion.h"

#include <cstdio>
#include <map>
#include <optional>

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

// The dynamic instructions `f` ran under `p` (block counts x sizes).
static double dynamicCost(const Function &f, const Profile &p) {
  const FunctionProfile *fp = p.function(f.name);
  double cost = 0;
  if (fp)
    for (BlockId b : f.layout)
      cost += double(fp->blockCount(b)) * double(f.block(b).instrs.size());
  return cost;
}

// Loops whose back edge needs copies are unrolled by two where out-of-SSA can
// then drop the copies (transforms/loops/CopyUnroll.h). Whether it can depends on
// liveness after the round trip, so this measures instead of predicting: the
// program is re-profiled and a function keeps its unrolled version only when
// its dynamic count went down. `current` and `weights` describe the result.
static void keepCheaperCopyUnrolling(Program &program,
                                     const std::vector<std::vector<std::string>> &inputs,
                                     double growthLimit,
                                     const std::map<std::string, size_t> &sizeBefore,
                                     PassContext &ctx, std::optional<Profile> &current,
                                     ProgramWeights &weights) {
  std::map<size_t, Function> before;
  {
    PassScope scope(ctx, kCopyUnrollPass.name, program);
    for (size_t i = 0; i < program.functions.size(); ++i) {
      Function &f = program.functions[i];
      CopyUnrollOptions o;
      auto base = sizeBefore.find(f.name);
      if (base != sizeBefore.end())
        o.sizeLimit = size_t(growthLimit * double(base->second));
      Function saved;
      if (unrollForCoalescing(f, &weights.of(f), o, &saved))
        before.emplace(i, std::move(saved));
    }
  }
  if (ctx.failed() || before.empty())
    return;
  std::optional<Profile> trial = interp::profileRuns(program, inputs);
  bool reverted = false;
  for (auto &[i, saved] : before)
    if (dynamicCost(program.functions[i], *trial) >= dynamicCost(saved, *current)) {
      program.functions[i] = std::move(saved);
      reverted = true;
    }
  current = reverted ? interp::profileRuns(program, inputs) : std::move(trial);
  weights = ProgramWeights::fromProfile(program, *current);
}

static void runSuperblockPipelineOnce(Program &program, const Profile &profile, PassContext &ctx,
                                      const SuperblockPipelineOptions &options,
                                      std::map<std::string, size_t> &sizes,
                                      std::vector<RegionRemark> *remarks) {
  ProgramWeights weights = ProgramWeights::fromProfile(program, profile);
  std::map<std::string, size_t> sizeBefore = sizes; // the code-growth budget's base
  // Self tail calls become loops first: the inliner then sees loops, and the
  // SSA passes below clean the parameter copies and hoist out of them.
  if (options.tailRecursion) {
    PassScope scope(ctx, kTailRecursionPass.name, program);
    eliminateTailRecursion(program, &weights);
  }
  // Constants of self-recursive functions become parameters that the
  // recursive calls pass along (transforms/interprocedural/RecursiveConstants.h); f stays
  // as a small wrapper, and hot call sites take its constants and call the
  // worker directly. The worker's growth budget is f's; it joins `sizes`, so
  // that the growth fallback below retries it like the others.
  std::vector<Function> workersAsSplit; // see the end
  if (options.recursiveConstants) {
    PassScope scope(ctx, kRecursiveConstantsPass.name, program);
    RecursiveConstantsOptions ro;
    ro.sizeLimit = [&](const Function &f) {
      return size_t(options.superblocks.growthLimit * double(sizeBefore[f.name]));
    };
    for (const RecursiveConstantsSplit &s : passConstantsDownRecursion(program, &weights, ro)) {
      sizeBefore[s.worker] = sizes[s.worker] = sizeBefore[s.wrapper];
      workersAsSplit.push_back(*program.findFunction(s.worker));
    }
  }
  if (options.inlining) {
    PassScope scope(ctx, kInlinePass.name, program);
    inlineHotCalls(program, weights, options.inline_);
  }
  // The whole-function passes renumber blocks, so their result is profiled
  // again on the recorded training inputs before superblocks are formed.
  // Without recorded inputs they are skipped: superblocks need counts.
  std::optional<Profile> refreshed;
  if (options.scalarOptimizations && !profile.inputs.empty()) {
    runOptimizationPipeline(program, ctx, 2);
    if (ctx.failed())
      return;
    refreshed = interp::profileRuns(program, profile.inputs);
    weights = ProgramWeights::fromProfile(program, *refreshed);
  }
  // Hot counted loops run K iterations per exit test; the blocks it adds are
  // profiled again, so that superblocks see the unrolled loops' counts.
  if (options.unrolling && refreshed) {
    bool changed = false;
    {
      PassScope scope(ctx, kLoopUnrollPass.name, program);
      for (Function &f : program.functions) {
        LoopUnrollOptions uo = options.unroll;
        uo.sizeLimit = size_t(options.superblocks.growthLimit * double(sizeBefore[f.name]));
        changed |= unrollCountedLoops(f, &weights.of(f), uo);
      }
    }
    if (ctx.failed())
      return;
    if (changed) {
      refreshed = interp::profileRuns(program, profile.inputs);
      weights = ProgramWeights::fromProfile(program, *refreshed);
    }
    keepCheaperCopyUnrolling(program, profile.inputs, options.superblocks.growthLimit, sizeBefore,
                             ctx, refreshed, weights);
    if (ctx.failed())
      return;
  }
  const Profile &current = refreshed ? *refreshed : profile;
  {
    PassScope scope(ctx, kSuperblocksPass.name, program);
    for (Function &f : program.functions)
      formSuperblocks(f, weights.of(f), current.function(f.name), sizeBefore[f.name],
                      options.superblocks, remarks);
  }
  // Calls that ran once or so: inlining saves their call and ret, but the
  // growth budget is worth more to the loop transforms above (a cold call
  // inlined first can leave a hot loop of its caller without room to unroll),
  // so they come last and get what is left of each function's budget.
  if (options.inlining) {
    std::map<std::string, size_t, std::less<>> limits;
    for (const auto &[name, size] : sizeBefore)
      limits[name] = size_t(options.superblocks.growthLimit * double(size));
    InlineOptions cold = options.inline_;
    cold.minSiteCount = 1;
    cold.callerSizeLimit = &limits;
    PassScope scope(ctx, kInlineColdPass.name, program);
    inlineHotCalls(program, weights, cold);
  }
  {
    PassScope scope(ctx, kDeadCodePass.name, program);
    for (Function &f : program.functions) {
      eliminateDeadCode(f);
      removeUnreachableBlocks(f);
    }
  }
  // A worker of recursive-constants has no version in the original program
  // for the growth fallback's last resort: in the run without inlining (its
  // last retry), past its budget it goes back to what the split made of it,
  // no larger than f was. (The split is the same in every run: it comes
  // before inlining.)
  for (Function &worker : workersAsSplit) {
    if (options.inlining)
      break;
    Function *now = program.findFunction(worker.name);
    double limit = options.superblocks.growthLimit * double(std::max<size_t>(sizeBefore[worker.name], 1));
    if (now && double(now->instrCount()) > limit)
      *now = std::move(worker);
  }
}

// The functions of `program` larger than `limit` x their size in `sizes`.
static std::vector<size_t> overBudget(const Program &program,
                                      const std::map<std::string, size_t> &sizes, double limit) {
  std::vector<size_t> out;
  for (size_t i = 0; i < program.functions.size(); ++i) {
    const Function &f = program.functions[i];
    auto it = sizes.find(f.name);
    if (it != sizes.end() && double(f.instrCount()) > limit * double(std::max<size_t>(it->second, 1)))
      out.push_back(i);
  }
  return out;
}

void runSuperblockPipeline(Program &program, const Profile &profile, PassContext &ctx,
                           const SuperblockPipelineOptions &options,
                           std::vector<RegionRemark> *remarks) {
  std::map<std::string, size_t> sizes;
  for (const Function &f : program.functions)
    sizes.try_emplace(f.name, f.instrCount());
  const Program original = program;
  // Functions that speculate themselves are given back as written, whatever
  // the passes below did to them (see Pipeline.h).
  std::vector<size_t> ownSpeculation;
  for (size_t i = 0; i < program.functions.size(); ++i) {
    const Function &f = program.functions[i];
    if (!usesSpeculation(f))
      continue;
    ownSpeculation.push_back(i);
    if (remarks) {
      RegionRemark rm;
      rm.function = f.name;
      rm.decision = "untouched";
      rm.reason = "the function uses speculate/guard/commit itself: the optimizer leaves it as "
                  "written, since moving or inlining its code could change where its own "
                  "speculation is active (a call or ret there is an error)";
      remarks->push_back(std::move(rm));
    }
  }
  runSuperblockPipelineOnce(program, profile, ctx, options, sizes, remarks);
  if (ctx.failed())
    return;
  // (Back to its original size, such a function is never over budget below,
  // so no retry replaces it.)
  for (size_t i : ownSpeculation)
    program.functions[i] = original.functions[i];
  // The growth limit holds per function, inlining included: the inliner's
  // constant allowance and loop rotation can push a small function past it.
  // Such a function takes its version from a run with half, a quarter, none
  // of that allowance, then from a run without inlining, else stays as it was. Any version of
  // a function is a correct one: they are compiled from the same profile.
  double limit = options.superblocks.growthLimit;
  std::vector<size_t> over = overBudget(program, sizes, limit);
  SuperblockPipelineOptions fallback = options;
  for (int attempt = 0; attempt < 4 && !over.empty(); ++attempt) {
    if (attempt < 3)
      fallback.inline_.callerGrowthConstant = options.inline_.callerGrowthConstant * (2 - attempt) / 4;
    else
      fallback.inlining = false;
    Program retry = original;
    runSuperblockPipelineOnce(retry, profile, ctx, fallback, sizes, nullptr);
    if (ctx.failed())
      return;
    std::vector<size_t> stillOver;
    for (size_t i : over) {
      const Function &candidate = retry.functions[i];
      if (double(candidate.instrCount()) <=
          limit * double(std::max<size_t>(sizes[candidate.name], 1)))
        program.functions[i] = candidate;
      else
        stillOver.push_back(i);
    }
    over = std::move(stillOver);
  }
  for (size_t i : over)
    if (i < original.functions.size()) // not a worker: see runSuperblockPipelineOnce
      program.functions[i] = original.functions[i];
}

} // namespace brisk
