#include "transforms/Pipeline.h"

#include "analysis/MaySpeculate.h"
#include "analysis/MemoryAlias.h"
#include "interp/Interpreter.h"
#include "transforms/loops/CopyUnroll.h"
#include "transforms/loops/FullUnroll.h"
#include "transforms/loops/LinearTestReplacement.h"
#include "transforms/loops/StrengthReduction.h"
#include "transforms/superblocks/DeadCode.h"
#include "transforms/PassRegistry.h"
#include "transforms/interprocedural/DeadFunctions.h"
#include "transforms/interprocedural/RecursiveConstants.h"
#include "transforms/interprocedural/TailRecursion.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/StringSet.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

namespace brisk {

void runSSARoundTrip(Program &program, PassContext &ctx) {
  runPass(program, ctx, kToSSAPass);
  runPass(program, ctx, kFromSSAPass);
}

bool runOptimizationPipeline(Program &program, PassContext &ctx, int level,
                             const ScalarPipelineOptions &options, llvm::StringSet<> *reduced) {
  if (level <= 0)
    return false;
  bool changed = false; // by strength-reduce or lftr
  runPass(program, ctx, kToSSAPass);
  // A program without memory instructions or calls (options.memoryFree)
  // has what findMemoryFacts would find, found without its walk: no
  // writer, and no memory instruction in any function. Shared from here to
  // pointer-offsets (scalar-replace asks them too; see
  // PassContext::shareMemoryOps).
  std::optional<MemoryFacts> memoryFacts;
  if (options.memoryFree) {
    memoryFacts.emplace();
    memoryFacts->ops.resize(program.functions.size());
    ctx.shareMemoryOps(&memoryFacts->ops);
  }
  // Clean first: constants folded, copies and dead code gone, branches on
  // constants and jump-only blocks removed, so the loop passes see the real
  // loops. Through simplify-cfg the passes keep each function's CFG facts
  // true (see PassContext::retainFacts): ADCE takes SCCP's CFG when SCCP
  // changed no branch, simplify-cfg ADCE's when ADCE changed none.
  ctx.retainFacts(true);
  runPass(program, ctx, kSCCPPass);
  // Small allocations that stay in the function become values once SCCP has
  // made their offsets constants; copy propagation then folds their loads.
  if (options.scalarReplacement)
    runPass(program, ctx, kScalarReplacementPass);
  runPass(program, ctx, kCopyPropagationPass);
  runPass(program, ctx, kAggressiveDCEPass);
  runPass(program, ctx, kSimplifyCFGPass);
  ctx.retainFacts(false);
  // Loops of a few constant trips (a fixed-size array's, or one a constant
  // argument of an inlined call bounds) become copies of their body, which
  // the clean-up inside the pass folds: constant counters, loads of what the
  // copies stored.
  if (options.fullUnroll) {
    PassScope scope(ctx, kFullUnrollPass.name, program);
    for (Function &f : program.functions) {
      if (!ctx.isSSA(f) || !ctx.covers(f))
        continue;
      FullUnrollOptions fo;
      if (options.sizeLimits) {
        auto limit = options.sizeLimits->find(f.name);
        if (limit != options.sizeLimits->end())
          fo.sizeLimit = limit->second;
      }
      unrollLoopsFully(f, fo);
    }
  }
  // Rotation first: its body blocks then run once per entry, so LICM may hoist
  // from them; GVN last merges hoisted constants with earlier ones and folds
  // the copies rotation leaves.
  // From here to simplify-cfg every pass keeps each function's CFG, dominator and
  // loop facts true (see PassContext::retainFacts), so they are built again
  // only after a pass changes the CFG: LICM takes the CFG and dominator
  // tree loop rotation's SSA repair built.
  ctx.retainFacts(true);
  runPass(program, ctx, kLoopRotationPass);
  runPass(program, ctx, kLICMPass);
  runPass(program, ctx, kGVNPass);
  // Loads: with the addresses GVN merged, a load of a cell a store or load
  // before it left known becomes a copy; a load of a cell the loop never
  // writes leaves it, and LICM takes what then depends only on it. GVN
  // again folds the copies and merges what now computes from equal values.
  // The three memory passes share one set of the program's memory writers:
  // load-elim turns loads into copies, hoist-loads and licm move loads and
  // pure instructions, so no store, free or call comes or goes before
  // promote-cells (which, last, may) has taken the set. The walk that finds
  // the writers (in a program with memory instructions or calls: see
  // above) also notes each function's allocs, loads, stores and ptradds: the
  // memory passes down to pointer-offsets skip a function without what
  // they look for, instead of walking it again to learn that (see
  // PassContext::shareMemoryOps for why the notes stay true until then).
  bool memory = false;
  if (!memoryFacts && (options.redundantLoads || options.loadHoisting ||
                       options.cellPromotion || options.pointerOffsets)) {
    memoryFacts = findMemoryFacts(program);
    ctx.shareMemoryOps(&memoryFacts->ops);
  }
  if (memoryFacts)
    ctx.shareMemoryWriters(&memoryFacts->writers);
  if (options.redundantLoads)
    memory |= runPass(program, ctx, kRedundantLoadsPass);
  if (options.loadHoisting && runPass(program, ctx, kLoadHoistingPass)) {
    runPass(program, ctx, kLICMPass);
    memory = true;
  }
  // A cell a loop updates at one address (an accumulator in memory) then
  // lives in a value in the loop, stored back on its exits.
  if (options.cellPromotion)
    memory |= runPass(program, ctx, kCellPromotionPass);
  ctx.shareMemoryWriters(nullptr);
  if (memory)
    runPass(program, ctx, kGVNPass);
  // With equal expressions under one name, a value the bottom of an iteration
  // computes replaces its recomputation at the top of the next.
  if (options.loopCarriedGVN)
    runPass(program, ctx, kLoopCarriedGVNPass);
  // Index arithmetic of the loop counters becomes induction variables; the
  // chains it replaces are left to the dead-code pass below.
  if (options.strengthReduction) {
    PassScope scope(ctx, kStrengthReductionPass.name, program);
    bool reducedAny = runOnSSAFunctionsWithFacts(program, ctx, reduceInductionVariables, reduced);
    scope.setChanged(reducedAny);
    changed |= reducedAny;
  }
  // A counter left with nothing to do but its exit test hands the test to
  // another induction variable (its own update then dies below).
  if (options.linearTestReplacement) {
    PassScope scope(ctx, kLinearTestReplacementPass.name, program);
    bool replaced = runOnSSAFunctionsWithFacts(program, ctx, replaceExitTests, reduced);
    scope.setChanged(replaced);
    changed |= replaced;
  }
  // Pointers at constant offsets of one base step from each other, so the
  // constants SCCP made of a cell-by-cell fill die below.
  if (options.pointerOffsets)
    runPass(program, ctx, kPointerOffsetsPass);
  ctx.shareMemoryOps(nullptr);
  memoryFacts.reset();
  // Again after the loop passes: what GVN proved equal or constant folds
  // further; then what is left moves to the paths that use it, and block
  // placement turns the hot jumps into fall-throughs.
  runPass(program, ctx, kSCCPPass);
  runPass(program, ctx, kCopyPropagationPass);
  runPass(program, ctx, kAggressiveDCEPass);
  runPass(program, ctx, kSinkPass);
  runPass(program, ctx, kSimplifyCFGPass);
  ctx.retainFacts(false);
  runPass(program, ctx, kFromSSAPass);
  // Out of SSA, blocks whose phis were their only content may now just jump.
  runPass(program, ctx, kSimplifyCFGPass);
  return changed;
}

// How the training runs lower and profile `program`, which `like` (a
// profile of it or of a version of it) describes. The profiles stay inside
// the pipeline, so they carry no program hash nor block labels. The TypeFacts analyses cost
// about what a few dozen executions of each block with all operands checked
// cost (Lower.h), so a run that executes each block fewer times than that on
// average (a large program with a short run) is lowered without them: the
// same counts, sooner.
static interp::RunOptions trainingRunOptions(const Profile &like) {
  constexpr uint64_t kFactsPayOff = 32; // block executions per block
  uint64_t executed = 0, blocks = 0;
  for (const FunctionProfile &fp : like.functions) {
    blocks += fp.blockCounts.size();
    for (uint64_t n : fp.blockCounts)
      executed += n;
  }
  interp::RunOptions ro;
  ro.profileForFile = false;
  ro.typeFacts = executed >= kFactsPayOff * blocks;
  return ro;
}

// The program profiled again on the training inputs, timed as "profile";
// `like` as for trainingRunOptions. With `only`, the functions named there
// alone (the profile holds only them; the others run without probes, which
// costs less to lower and to run): for a run that compares versions of a
// few functions, whose result takes those from it (withFunctionsFrom).
static std::optional<Profile> reprofile(const Program &program,
                                        const std::vector<std::vector<std::string>> &inputs,
                                        PassContext &ctx, const Profile &like,
                                        const llvm::StringSet<> *only = nullptr) {
  PassTimer timer(ctx, "profile (training inputs)");
  interp::RunOptions ro = trainingRunOptions(like);
  ro.profileOnly = only;
  return interp::profileRuns(program, inputs, nullptr, ro);
}

// The profile of `program` after the functions at `replaced` took versions
// whose counts `from` holds, the rest being as `base` describes
// (Profile::takeFunctionsFrom): no training run needed.
static Profile withFunctionsFrom(Profile base, const Profile &from,
                                 const std::vector<size_t> &replaced, const Program &program) {
  std::vector<std::string> names;
  for (size_t i : replaced)
    names.push_back(program.functions[i].name);
  base.takeFunctionsFrom(from, names, program);
  return base;
}

using GrowthLimits = std::map<std::string, size_t, std::less<>>;

// The dynamic instructions `f` ran under `p` while it may have been
// speculating (analysis/MaySpeculate.h; the commit that ends a region
// included, as brili counts it).
static double speculativeCost(const Function &f, const Profile &p) {
  const FunctionProfile *fp = p.function(f.name);
  if (!fp || !usesSpeculation(f))
    return 0;
  MaySpeculate speculating(f);
  double cost = 0;
  for (BlockId b : f.layout) {
    double n = double(fp->blockCount(b));
    if (n == 0)
      continue;
    size_t inside = 0;
    for (size_t i = 0; i < f.block(b).instrs.size(); ++i)
      inside += speculating.at(b, i) ? 1 : 0;
    cost += n * double(inside);
  }
  return cost;
}

// How many speculative chunk allowances (SuperblockOptions::
// speculativeGrowth) each function holds: one of its own (when not listed),
// plus those of the sole callees it took in (see the early inliner below).
using AllowanceShares = std::map<std::string, size_t, std::less<>>;

static double speculativeAllowance(const AllowanceShares &shares, const std::string &name,
                                   const SuperblockOptions &so) {
  auto it = shares.find(name);
  return so.speculativeGrowth * double(it == shares.end() ? 1 : it->second);
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

// Whether some function of a program has a call, and whether one has a
// memory instruction (alloc, load, store, free, ptradd). No pass of the
// pipeline makes either in a program that has none (only inlining brings
// instructions from another function, and it needs a call), so a program
// without them keeps without them: the passes that look only for them
// need not walk it (see runSuperblockPipelineOnce).
struct CodeKinds {
  bool calls = false;
  bool memory = false;
};

// What the growth policy and the pipeline read of each function of the
// input, by index: found in one walk of the program (runWithinFunctionLimits),
// since a walk of a large function costs a miss per block.
struct InputFacts {
  std::vector<size_t> sizeAt;     // instructions
  std::vector<double> costAt;     // dynamicCost under the profile
  // The callees of the calls in blocks that ran, in layout order (they
  // point into the program: read before the passes change it).
  std::vector<std::vector<const std::string *>> ranCallees;
  std::vector<std::string> ownSpeculation; // functions that speculate themselves
  // What kinds of instructions the program has (see CodeKinds).
  CodeKinds kinds;
};

static InputFacts inputFacts(const Program &program, const Profile &profile) {
  InputFacts facts;
  size_t n = program.functions.size();
  facts.sizeAt.reserve(n);
  facts.costAt.reserve(n);
  facts.ranCallees.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Function &f = program.functions[i];
    const FunctionProfile *fp = profile.function(f.name);
    size_t size = 0;
    double cost = 0; // summed in dynamicCost's order: the same double
    bool speculates = false;
    for (BlockId b : f.layout) {
      const std::vector<Instr> &instrs = f.block(b).instrs;
      size += instrs.size();
      bool ran = fp && fp->blockCount(b) > 0;
      if (fp)
        cost += double(fp->blockCount(b)) * double(instrs.size());
      if (speculates && facts.kinds.calls && facts.kinds.memory && !ran)
        continue;
      for (const Instr &in : instrs) {
        if (in.info().effect == EffectClass::Guard) // as usesSpeculation
          speculates = true;
        switch (in.op) {
        case Opcode::Call:
          facts.kinds.calls = true;
          if (ran)
            facts.ranCallees[i].push_back(&in.callee.str());
          break;
        case Opcode::Alloc:
        case Opcode::Load:
        case Opcode::Store:
        case Opcode::Free:
        case Opcode::PtrAdd:
          facts.kinds.memory = true;
          break;
        default:
          break;
        }
      }
    }
    facts.sizeAt.push_back(size);
    facts.costAt.push_back(cost);
    if (speculates)
      facts.ownSpeculation.push_back(f.name);
  }
  return facts;
}

// The growth policy: the largest size (instructions) each function of the
// original program may reach. Every function gets growthLimit x its size;
// a hot one the larger of that and its size + hotGrowthConstant. Hot: its own
// dynamic count is at least hotShare of the program's, or it calls a hot
// function from a site that ran (a one-call main is hot when what it calls
// is). Without the constant a 2-instruction main could never take in its one
// call and a 10-instruction loop never unroll. (The program-level bound is
// checked on the result: see runSuperblockPipeline.)
// `facts`: the program's, see inputFacts.
static GrowthLimits growthLimits(const Program &program,
                                 const SuperblockPipelineOptions &options,
                                 const InputFacts &facts) {
  const std::vector<size_t> &sizeAt = facts.sizeAt;
  GrowthLimits limits;
  double total = 0;
  std::map<std::string, double, std::less<>> self;
  for (size_t i = 0; i < program.functions.size(); ++i) {
    const Function &f = program.functions[i];
    if (limits.count(f.name))
      continue;
    double size = double(std::max<size_t>(sizeAt[i], 1));
    limits[f.name] = size_t(options.superblocks.growthLimit * size);
    total += self[f.name] = facts.costAt[i];
  }
  std::map<std::string, bool, std::less<>> hot;
  for (auto &[name, cost] : self)
    hot[name] = total > 0 && cost >= options.hotShare * total;
  // Callers of hot functions, to a fixed point. The callees of each
  // function's calls that ran were read once (inputFacts): a round then
  // costs those calls, not a walk of the program's code.
  const std::vector<std::vector<const std::string *>> &ranCallees = facts.ranCallees;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < program.functions.size(); ++i) {
      bool &isHot = hot[program.functions[i].name];
      if (isHot)
        continue;
      for (const std::string *callee : ranCallees[i])
        if (auto it = hot.find(*callee); it != hot.end() && it->second) {
          isHot = changed = true;
          break;
        }
    }
  }
  for (size_t i = 0; i < program.functions.size(); ++i)
    if (hot[program.functions[i].name]) {
      size_t &limit = limits[program.functions[i].name];
      limit = std::max(limit, sizeAt[i] + options.hotGrowthConstant);
    }
  return limits;
}

using FunctionVersions = std::vector<std::pair<size_t, Function>>;

// The versions in `before` (the program as it was before the SSA passes) of
// the functions strength-reduce or lftr changed (`reduced`), by index in
// `program`: copied, or moved when `spare` (a copy no one needs after) is
// `before`.
static FunctionVersions versionsBefore(const Program &program, const Program &before,
                                       const llvm::StringSet<> &reduced,
                                       Program *spare = nullptr) {
  FunctionVersions out;
  for (size_t i = 0; i < program.functions.size() && i < before.functions.size(); ++i)
    if (reduced.contains(program.functions[i].name) &&
        before.functions[i].name == program.functions[i].name) {
      if (spare == &before)
        out.emplace_back(i, std::move(spare->functions[i]));
      else
        out.emplace_back(i, before.functions[i]);
    }
  return out;
}

// Strength reduction pays per iteration and costs per loop entry (the chain
// recomputed before the loop), and without counts the SSA passes cannot tell
// a long loop from a short one. So the pipeline measures: each function
// strength-reduce or lftr changed (`reduced`) takes the SSA passes again
// without them, from its version before them (`before`, from
// versionsBefore), the program is profiled, and each such function keeps the
// version that ran fewer instructions. The others are left as they are: only
// the reduced ones run again. `current` is the profile of `program` and
// describes the result.
static void keepCheaperStrengthReduction(Program &program, FunctionVersions before,
                                         const llvm::StringSet<> &reduced,
                                         const std::vector<std::vector<std::string>> &inputs,
                                         PassContext &ctx, const ScalarPipelineOptions &options,
                                         std::optional<Profile> &current) {
  PassTimer timer(ctx, "strength-reduce check (pipeline again without it)");
  // The reduced versions step aside for the versions before the passes.
  FunctionVersions reducedVersions;
  for (auto &[i, f] : before) {
    reducedVersions.emplace_back(i, std::move(program.functions[i]));
    program.functions[i] = std::move(f);
  }
  before.clear();
  auto restoreReduced = [&] {
    for (auto &[i, f] : reducedVersions)
      program.functions[i] = std::move(f);
  };
  ScalarPipelineOptions without = options;
  without.strengthReduction = false;
  without.linearTestReplacement = false;
  ctx.restrictTo(&reduced);
  runOptimizationPipeline(program, ctx, 2, without);
  ctx.restrictTo(nullptr);
  if (ctx.failed())
    return;
  // Only the functions compared are profiled: the others are as `current`
  // counted them.
  llvm::StringSet<> compared;
  for (auto &[i, f] : reducedVersions)
    compared.insert(program.functions[i].name);
  std::optional<Profile> other =
      current ? reprofile(program, inputs, ctx, *current, &compared) : std::nullopt;
  if (!other) {
    restoreReduced();
    return;
  }
  std::vector<size_t> rerun; // the functions that keep the version without the passes
  for (auto &[i, f] : reducedVersions)
    if (dynamicCost(f, *current) < dynamicCost(program.functions[i], *other))
      program.functions[i] = std::move(f);
    else
      rerun.push_back(i);
  current = withFunctionsFrom(std::move(*current), *other, rerun, program);
}

// Loops whose back edge needs copies are unrolled by two where out-of-SSA can
// then drop the copies (transforms/loops/CopyUnroll.h). Whether it can depends on
// liveness after the round trip, so this measures instead of predicting: the
// program is re-profiled and a function keeps its unrolled version only when
// its dynamic count went down. `current` and `weights` describe the result.
// `kept`, when given, receives each function that keeps its unrolled version
// (by index, in increasing order) with its version from before, and
// `profileBefore` then what `current` was on entry: with them the caller can
// rebuild the program from before without having copied it.
static void keepCheaperCopyUnrolling(Program &program,
                                     const std::vector<std::vector<std::string>> &inputs,
                                     const GrowthLimits &limits,
                                     PassContext &ctx, std::optional<Profile> &current,
                                     ProgramWeights &weights, FunctionVersions *kept = nullptr,
                                     std::optional<Profile> *profileBefore = nullptr) {
  std::map<size_t, Function> before;
  {
    PassScope scope(ctx, kCopyUnrollPass.name, program);
    for (size_t i = 0; i < program.functions.size(); ++i) {
      Function &f = program.functions[i];
      CopyUnrollOptions o;
      auto limit = limits.find(f.name);
      if (limit != limits.end())
        o.sizeLimit = limit->second;
      Function saved;
      if (unrollForCoalescing(f, &weights.of(f), o, &saved))
        before.emplace(i, std::move(saved));
    }
  }
  if (ctx.failed() || before.empty())
    return;
  // Only the functions copy-unroll changed are profiled: the others are as
  // `current` counted them.
  llvm::StringSet<> changed;
  for (auto &[i, saved] : before)
    changed.insert(program.functions[i].name);
  std::optional<Profile> trial =
      current ? reprofile(program, inputs, ctx, *current, &changed) : std::nullopt;
  if (!trial || !current) {
    for (auto &[i, saved] : before)
      program.functions[i] = std::move(saved);
    return;
  }
  std::vector<size_t> unrolled; // the functions that keep their unrolled version
  for (auto &[i, saved] : before)
    if (dynamicCost(program.functions[i], *trial) >= dynamicCost(saved, *current)) {
      program.functions[i] = std::move(saved);
    } else {
      unrolled.push_back(i);
      if (kept)
        kept->emplace_back(i, std::move(saved));
    }
  if (profileBefore && kept && !kept->empty()) {
    Profile merged = withFunctionsFrom(*current, *trial, unrolled, program);
    *profileBefore = std::move(current);
    current = std::move(merged);
  } else {
    current = withFunctionsFrom(std::move(*current), *trial, unrolled, program);
  }
  weights = ProgramWeights::fromProfile(program, *current);
}

// The remark of a counted loop the unroller decided on (a speculative chunk
// is a region of its own: the superblock pass leaves it alone).
static RegionRemark remarkFor(const Function &f, const UnrolledLoop &u) {
  RegionRemark rm;
  rm.function = f.name;
  rm.trace = {u.header};
  rm.loop = true;
  rm.headCount = u.headCount;
  bool applied = u.speculative || u.factor >= 2;
  rm.decision = !applied ? "rejected" : u.speculative ? "speculative" : "branches";
  rm.unroll = u.factor;
  double entries = u.tripsPerEntry > 0 ? u.headCount / u.tripsPerEntry : 0;
  rm.savingSpeculative = entries * (u.originalCost - u.speculativeCost);
  rm.savingBranches = entries * (u.originalCost - u.branchCost);
  rm.expectedSaving = !applied ? 0 : u.speculative ? rm.savingSpeculative : rm.savingBranches;
  if (u.speculative) {
    rm.guards = 1;
    rm.commitInterval = u.commitInterval;
    rm.expectedOverhead = entries * u.overhead;
    rm.expectedRedo = entries * u.redo;
  }
  rm.growth = u.growth;
  rm.reason = "counted loop: " + u.reason;
  return rm;
}

// What a call site in a loop, to a function that calls nothing, is credited
// per call when the output speculates (InlineOptions::callFreeLoopCredit):
// the parameter and result copies an inlined leaf typically costs.
constexpr double kCallFreeLoopCredit = 3.0;

// `original`: what `program` is on entry (see keepCheaperStrengthReduction's
// copy below). `kinds`: what kinds of instructions `original` has.
static void runSuperblockPipelineOnce(Program &program, const Program &original, CodeKinds kinds,
                                      const Profile &profile, PassContext &ctx,
                                      const SuperblockPipelineOptions &options,
                                      std::map<std::string, size_t> &sizes,
                                      GrowthLimits &limits, AllowanceShares &shares,
                                      std::vector<RegionRemark> *remarks) {
  ProgramWeights weights = ProgramWeights::fromProfile(program, profile);
  const bool calls = kinds.calls;
  std::map<std::string, size_t> sizeBefore = sizes; // the code-growth budget's base
  // Whether the interprocedural passes below left `program` as it came
  // (then it is still `original`, and the SSA passes need no copy of it).
  bool asOriginal = true;
  // Self tail calls become loops first: the inliner then sees loops, and the
  // SSA passes below clean the parameter copies and hoist out of them.
  // (Without a call there is no self tail call: the pass would walk the
  // program to find none.)
  if (options.tailRecursion) {
    PassScope scope(ctx, kTailRecursionPass.name, program);
    asOriginal &= !calls || !eliminateTailRecursion(program, &weights);
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
    ro.sizeLimit = [&](const Function &f) { return limits[f.name]; };
    for (const RecursiveConstantsSplit &s : passConstantsDownRecursion(program, &weights, ro)) {
      sizeBefore[s.worker] = sizes[s.worker] = sizeBefore[s.wrapper];
      limits[s.worker] = limits[s.wrapper];
      workersAsSplit.push_back(*program.findFunction(s.worker));
      asOriginal = false;
    }
  }
  if (options.inlining) {
    // Each caller up to its limit plus the inliner's constant allowance
    // (which the growth fallback takes back from a function that ends over).
    GrowthLimits callerLimits = limits;
    for (auto &[name, limit] : callerLimits)
      limit += options.inline_.callerGrowthConstant;
    InlineOptions early = options.inline_;
    early.callerSizeLimit = &callerLimits;
    // A loop left without calls may speculate: worth a few glue copies.
    if (options.superblocks.speculation && early.callFreeLoopCredit == 0)
      early.callFreeLoopCredit = kCallFreeLoopCredit;
    // Calls that ran once are inlined here too where that folds (the callee
    // uses a constant or a local allocation the caller passes, and its
    // loops are short enough to unroll fully) or where the callee has no
    // other call site and is cheap or folds: then the caller takes over its
    // budget, and the callee, dead, goes right away (Inline.h, "Beyond the
    // profile").
    if (options.soleSites)
      early.minSoleSiteCount = 1;
    // Likewise a call whose known arguments the callee would fold.
    if (options.foldingSites)
      early.minFoldingSiteCount = 1;
    InlineStats stats;
    PassScope scope(ctx, kInlinePass.name, program);
    // Without a call in `original` the inliner has no site, here or in the
    // cold run below: tail recursion only removes calls, recursive
    // constants splits only a function that calls itself, and no other pass
    // makes one. It would leave the program as it is, after a walk of all
    // of it to find that out.
    asOriginal &= !calls || !inlineHotCalls(program, weights, early, &stats);
    auto share = [&](const std::string &name) { return shares.emplace(name, 1).first->second; };
    for (const InlineStats::SoleSite &s : stats.soleSites) {
      limits[s.caller] += limits[s.callee];
      sizeBefore[s.caller] += sizeBefore[s.callee];
      shares[s.caller] = share(s.caller) + share(s.callee);
    }
    // The callees taken in are dead: they go now, so that nothing below
    // spends work or budget on them (the program-level limit counts the
    // rest as before).
    if (!stats.soleSites.empty()) {
      std::set<std::string, std::less<>> dead;
      for (const InlineStats::SoleSite &s : stats.soleSites)
        dead.insert(s.callee);
      std::erase_if(program.functions, [&](const Function &f) { return dead.count(f.name) != 0; });
    }
  }
  // The whole-function passes renumber blocks, so their result is profiled
  // again on the recorded training inputs before superblocks are formed.
  // Without recorded inputs they are skipped: superblocks need counts.
  std::optional<Profile> refreshed;
  if (options.scalarOptimizations && !profile.inputs.empty()) {
    // The strength-reduce check below needs the reduced functions as they
    // are now: from `original` when nothing changed them (most often so for
    // a large program, whose copy costs time and memory), else from a copy.
    Program beforeScalar;
    if (options.scalar.strengthReduction && !asOriginal) {
      PassTimer timer(ctx, "copy before the scalar passes (strength-reduce check)");
      beforeScalar = program;
    }
    ScalarPipelineOptions scalar = options.scalar;
    scalar.sizeLimits = &limits;
    scalar.memoryFree = !kinds.calls && !kinds.memory; // (see CodeKinds)
    llvm::StringSet<> reduced;
    runOptimizationPipeline(program, ctx, 2, scalar, &reduced);
    if (ctx.failed())
      return;
    refreshed = reprofile(program, profile.inputs, ctx, profile);
    if (!reduced.empty()) {
      FunctionVersions before = asOriginal
                                    ? versionsBefore(program, original, reduced)
                                    : versionsBefore(program, beforeScalar, reduced, &beforeScalar);
      // The rest of the copy is not needed: freed now, its memory serves the
      // passes and the training run of the check instead of fresh pages.
      beforeScalar = Program();
      keepCheaperStrengthReduction(program, std::move(before), reduced, profile.inputs, ctx,
                                   scalar, refreshed);
    }
    if (ctx.failed())
      return;
    weights = ProgramWeights::fromProfile(program, *refreshed);
  }
  // Hot counted loops run K iterations per exit test; the blocks it adds are
  // profiled again, so that superblocks see the unrolled loops' counts.
  // What each function's speculative chunks grew it by: that growth comes
  // out of the speculative allowance first, not out of the budget the later
  // loop transforms and superblocks of the same function need. (The
  // unroller sizes chunks against the limit plus the allowance: what they
  // took beyond the allowance came out of the limit, see superblocks below.)
  std::map<std::string, size_t, std::less<>> chunkGrowth;
  // A speculative chunk keeps its function out of SSA round trips, which
  // copy-unroll needs: with speculation on, copy-unroll goes first.
  const bool copiesFirst = options.superblocks.speculation;
  // The functions copy-unroll changed (by index), their versions from
  // before it, and the profile from before it (see below).
  std::vector<size_t> copied;
  FunctionVersions copiedVersions;
  std::optional<Profile> profileBeforeCopies;
  if (options.unrolling && refreshed && copiesFirst) {
    keepCheaperCopyUnrolling(program, profile.inputs, limits, ctx, refreshed, weights,
                             &copiedVersions, &profileBeforeCopies);
    if (ctx.failed())
      return;
    for (const auto &[i, f] : copiedVersions)
      copied.push_back(i);
  }
  if (options.unrolling && refreshed) {
    bool changed = false;
    std::map<std::string, std::vector<RegionRemark>, std::less<>> unrollRemarks;
    auto unrollFunction = [&](Function &f, FunctionWeights &w, size_t &growth,
                              std::vector<RegionRemark> &rem) {
        LoopUnrollOptions uo = options.unroll;
        // Not the hot allowance: a tiny loop unrolled on the training
        // input's trip counts loses on short ones (triangle, 3 trips: 23 -> 26).
        uo.sizeLimit = std::min(limits[f.name], size_t(options.superblocks.growthLimit *
                                                       double(sizeBefore[f.name])));
        uo.speculative = options.superblocks.speculation;
        uo.speculativeSizeLimit =
            uo.sizeLimit + size_t(speculativeAllowance(shares, f.name, options.superblocks));
        uo.speculationPrice = options.superblocks.forceSpeculation  ? 1e9
                              : options.superblocks.preferSpeculation ? options.superblocks.maxSpeculationPrice
                                                                      : 0;
        std::vector<UnrolledLoop> report;
        bool did = unrollCountedLoops(f, &w, uo, &report);
        growth = 0;
        rem.clear();
        for (const UnrolledLoop &u : report) {
          if (u.speculative && u.growth > 0)
            growth += size_t(u.growth);
          if (remarks)
            rem.push_back(remarkFor(f, u));
        }
        return did;
    };
    // A loop copy-unroll doubled no longer matches a speculative chunk that
    // may run it for less: a function copy-unroll changed also takes the
    // unroller on its version from before, and keeps the cheaper of the two
    // (below). That version is unrolled and profiled within the program
    // from before copy-unroll, which `program` is for the while: the
    // versions swap places, and swap back, so nothing is copied. (It comes
    // before the unroller's run on `program`, which it does not depend on.)
    std::map<size_t, std::pair<size_t, std::vector<RegionRemark>>> altChunks;
    std::optional<Profile> altProfile;
    if (!copied.empty()) {
      PassTimer timer(ctx, "unroll without copy-unroll (copy-unrolled functions)");
      for (auto &[i, version] : copiedVersions)
        std::swap(program.functions[i], version);
      ProgramWeights altWeights = ProgramWeights::fromProfile(program, *profileBeforeCopies);
      for (size_t i : copied) {
        Function &f = program.functions[i];
        auto &[growth, rem] = altChunks[i];
        unrollFunction(f, altWeights.of(f), growth, rem);
      }
      // Profiled: the versions compared below, alone.
      llvm::StringSet<> alternatives;
      for (size_t i : copied)
        alternatives.insert(program.functions[i].name);
      altProfile = reprofile(program, profile.inputs, ctx, *profileBeforeCopies, &alternatives);
      // Back: `program` as copy-unroll left it; copiedVersions, the others.
      for (auto &[i, version] : copiedVersions)
        std::swap(program.functions[i], version);
    }
    // The functions the unroller or copy-unroll changed: only they are
    // profiled again; the others keep the counts `refreshed` has of them.
    std::vector<size_t> unrolled = copied;
    {
      PassScope scope(ctx, kLoopUnrollPass.name, program);
      for (size_t i = 0; i < program.functions.size(); ++i) {
        Function &f = program.functions[i];
        if (unrollFunction(f, weights.of(f), chunkGrowth[f.name], unrollRemarks[f.name])) {
          changed = true;
          if (!std::binary_search(copied.begin(), copied.end(), i))
            unrolled.push_back(i);
        }
      }
    }
    if (ctx.failed())
      return;
    if (changed || !copied.empty()) {
      llvm::StringSet<> again;
      for (size_t i : unrolled)
        again.insert(program.functions[i].name);
      std::optional<Profile> counts = reprofile(program, profile.inputs, ctx, *refreshed, &again);
      if (counts)
        refreshed = withFunctionsFrom(std::move(*refreshed), *counts, unrolled, program);
      else
        refreshed.reset();
      weights = ProgramWeights::fromProfile(program, *refreshed);
    }
    if (!copied.empty() && refreshed && !ctx.failed()) {
      std::vector<size_t> swapped;
      if (altProfile)
        for (auto &[i, alt] : copiedVersions)
          if (dynamicCost(alt, *altProfile) < dynamicCost(program.functions[i], *refreshed)) {
            const std::string &name = program.functions[i].name;
            program.functions[i] = std::move(alt);
            chunkGrowth[name] = altChunks[i].first;
            unrollRemarks[name] = std::move(altChunks[i].second);
            swapped.push_back(i);
          }
      if (!swapped.empty()) {
        refreshed = withFunctionsFrom(std::move(*refreshed), *altProfile, swapped, program);
        weights = ProgramWeights::fromProfile(program, *refreshed);
      }
    }
    if (remarks)
      for (const Function &f : program.functions)
        for (RegionRemark &r : unrollRemarks[f.name])
          remarks->push_back(std::move(r));
    if (!copiesFirst)
      keepCheaperCopyUnrolling(program, profile.inputs, limits, ctx, refreshed, weights);
    if (ctx.failed())
      return;
  }
  const Profile &current = refreshed ? *refreshed : profile;
  {
    PassScope scope(ctx, kSuperblocksPass.name, program);
    for (Function &f : program.functions) {
      // formSuperblocks counts its budget as a factor of the size before,
      // against the function's size now (what unrolling added included).
      // The chunks' growth moves from the speculative allowance into the
      // budget, up to the allowance: beyond it the chunks took it from the
      // limit, which superblocks must not spend again (else a function of
      // many hot loops ends at the limit plus all its chunks, over budget
      // in every retry).
      SuperblockOptions so = options.superblocks;
      size_t base = std::max<size_t>(sizeBefore[f.name], 1);
      double allowance = speculativeAllowance(shares, f.name, so);
      double chunksFromAllowance = std::min(allowance, double(chunkGrowth[f.name]));
      if (limits.count(f.name))
        so.growthLimit = (double(limits[f.name]) + chunksFromAllowance) / double(base);
      so.speculativeGrowth = allowance - chunksFromAllowance;
      formSuperblocks(f, weights.of(f), current.function(f.name), base, so, remarks);
    }
  }
  // Calls that ran once or so: inlining saves their call and ret, but the
  // growth budget is worth more to the loop transforms above (a cold call
  // inlined first can leave a hot loop of its caller without room to unroll),
  // so they come last and get what is left of each function's budget.
  if (options.inlining) {
    InlineOptions cold = options.inline_;
    cold.minSiteCount = 1;
    cold.callerSizeLimit = &limits;
    PassScope scope(ctx, kInlineColdPass.name, program);
    if (calls) // (see the early run)
      inlineHotCalls(program, weights, cold);
  }
  {
    PassScope scope(ctx, kDeadCodePass.name, program);
    for (Function &f : program.functions)
      eliminateDeadAndUnreachableCode(f);
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
    if (now && now->instrCount() > limits[worker.name])
      *now = std::move(worker);
  }
}

// The instructions `f` may have: its growth limit, plus the speculative
// chunks' allowance when it speculates.
static double sizeBudget(const Function &f, size_t limit, const AllowanceShares &shares,
                         const SuperblockOptions &so) {
  double budget = double(limit);
  if (so.speculation && !isPlainNonSpeculative(f))
    budget += speculativeAllowance(shares, f.name, so);
  return budget;
}

// The functions of `program` larger than their budget, by name.
static std::vector<std::string> overBudget(const Program &program, const GrowthLimits &limits,
                                           const AllowanceShares &shares,
                                           const SuperblockOptions &so) {
  std::vector<std::string> out;
  for (const Function &f : program.functions) {
    auto it = limits.find(f.name);
    if (it == limits.end())
      continue;
    // Within the limit is within the budget (the chunks' allowance only adds
    // to it), which spares the walk sizeBudget takes over a large function.
    double size = double(f.instrCount());
    if (size > double(it->second) && size > sizeBudget(f, it->second, shares, so))
      out.push_back(f.name);
  }
  return out;
}

// Puts `version` in place of the function of its name in `program`, and
// brings along every function it calls that `program` lacks (a callee an
// earlier run took in at its sole site is gone there): from `source` (the
// run `version` comes from) when there, else from `original`, transitively.
static void replaceFunction(Program &program, const Function &version, const Program &source,
                            const Program &original) {
  // The first function of each name, as findFunction finds it.
  llvm::StringMap<size_t> index;
  for (size_t i = 0; i < program.functions.size(); ++i)
    index.try_emplace(program.functions[i].name, i);
  if (auto it = index.find(version.name); it != index.end()) {
    program.functions[it->second] = version;
  } else {
    index.try_emplace(version.name, program.functions.size());
    program.functions.push_back(version);
  }
  std::vector<std::string> work{version.name};
  while (!work.empty()) {
    const Function &f = program.functions[index.find(work.back())->second];
    work.pop_back();
    std::vector<std::string> missing;
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        if (in.op == Opcode::Call && !index.count(in.callee))
          missing.push_back(in.callee);
    for (const std::string &name : missing) {
      if (index.count(name))
        continue;
      const Function *from = source.findFunction(name);
      if (!from)
        from = original.findFunction(name);
      if (!from)
        continue; // a call the original program makes to no function
      index.try_emplace(name, program.functions.size());
      program.functions.push_back(*from);
      work.push_back(name);
    }
  }
}

// The pipeline with every function held to its limit (`program` is
// `original` on entry).
static void runWithinFunctionLimits(Program &program, const Program &original,
                                    const Profile &profile, PassContext &ctx,
                                    const SuperblockPipelineOptions &options,
                                    std::vector<RegionRemark> *remarks) {
  // Each function's size, dynamic cost, calls that ran, and whether it
  // speculates itself: one walk of the program for all. Functions that
  // speculate themselves are given back as written, whatever the passes
  // below did to them (see Pipeline.h).
  // (The facts go before the pipeline runs: what it allocates then takes
  // their place instead of growing the heap past them.)
  std::optional<InputFacts> facts = inputFacts(program, profile);
  std::map<std::string, size_t> sizes;
  for (size_t i = 0; i < program.functions.size(); ++i)
    sizes.try_emplace(program.functions[i].name, facts->sizeAt[i]);
  const std::vector<std::string> ownSpeculation = std::move(facts->ownSpeculation);
  const CodeKinds kinds = facts->kinds;
  // Each run adjusts its own copy of the limits (a caller that took in a
  // sole callee takes its limit too).
  const GrowthLimits baseLimits = growthLimits(program, options, *facts);
  facts.reset();
  GrowthLimits limits = baseLimits;
  std::vector<RegionRemark> firstRemarks;
  AllowanceShares shares;
  runSuperblockPipelineOnce(program, original, kinds, profile, ctx, options, sizes, limits, shares,
                            &firstRemarks);
  // The remarks describe the final output: a function taken from a retry
  // takes that run's remarks; one that stays as it was has one remark
  // (decision "untouched") saying why.
  std::map<std::string, std::vector<RegionRemark>> remarksOf;
  for (RegionRemark &r : firstRemarks)
    remarksOf[r.function].push_back(std::move(r));
  auto emitRemarks = [&] {
    if (remarks)
      for (const Function &f : program.functions)
        for (RegionRemark &r : remarksOf[f.name])
          remarks->push_back(std::move(r));
  };
  // Puts the function `name` back as written; its one remark (the remarks of
  // the versions thrown away describe code that is not in the output) says why.
  auto keepAsWritten = [&](const std::string &name, std::string reason) {
    replaceFunction(program, *original.findFunction(name), original, original);
    RegionRemark rm;
    rm.function = name;
    rm.decision = "untouched";
    rm.reason = std::move(reason);
    std::vector<RegionRemark> &mine = remarksOf[name];
    mine.clear();
    mine.push_back(std::move(rm));
  };
  if (ctx.failed())
    return;
  // (Back to its original size, such a function is never over budget below,
  // so no retry replaces it. It is never inlined, so it is still there.)
  for (const std::string &name : ownSpeculation)
    keepAsWritten(name, "the function uses speculate/guard/commit itself: the optimizer leaves "
                        "it as written, since moving or inlining its code could change where "
                        "its own speculation is active (a call or ret there is an error)");
  // The growth limit holds per function, inlining included: the inliner's
  // constant allowance and loop rotation can push a small function past it.
  // Such a function takes its version from a run with half, a quarter, none
  // of that allowance, then from a run without inlining, then from one also
  // without the speculative chunks' allowance (so that --force-speculation
  // still speculates where only its chunks were too large), then from one
  // also without unrolling (whose growth superblocks may not spend again:
  // their traces then have the whole budget), else stays as it was. Any
  // version of a function is a correct one: they are compiled from the same
  // profile.
  std::vector<std::string> over = overBudget(program, limits, shares, options.superblocks);
  if (over.empty()) {
    emitRemarks();
    return;
  }
  SuperblockPipelineOptions fallback = options;
  // Per function still over: its smallest version of the retries, and that
  // version's budget (for the remark of a function left as written).
  std::map<std::string, std::pair<size_t, size_t>, std::less<>> smallestOver;
  for (const std::string &name : over)
    if (const Function *f = program.findFunction(name))
      smallestOver[name] = {f->instrCount(),
                            size_t(sizeBudget(*f, limits[name], shares, options.superblocks))};
  for (int attempt = 0; attempt < 6 && !over.empty(); ++attempt) {
    if (attempt < 3)
      fallback.inline_.callerGrowthConstant = options.inline_.callerGrowthConstant * (2 - attempt) / 4;
    else
      fallback.inlining = false;
    if (attempt == 4) // no room beyond the growth limit for speculative chunks either
      fallback.superblocks.speculativeGrowth = 0;
    if (attempt == 5) // last: superblocks alone spend the budget
      fallback.unrolling = false;
    PassTimer timer(ctx, "function growth retry (whole pipeline)");
    Program retry = original;
    std::vector<RegionRemark> retryRemarks;
    GrowthLimits retryLimits = baseLimits;
    AllowanceShares retryShares;
    runSuperblockPipelineOnce(retry, original, kinds, profile, ctx, fallback, sizes, retryLimits,
                              retryShares, &retryRemarks);
    if (ctx.failed())
      return;
    std::map<std::string, std::vector<RegionRemark>, std::less<>> retryRemarksOf;
    for (RegionRemark &r : retryRemarks)
      retryRemarksOf[r.function].push_back(std::move(r));
    std::vector<std::string> stillOver;
    for (const std::string &name : over) {
      const Function *candidate = retry.findFunction(name);
      double budget = candidate ? sizeBudget(*candidate, retryLimits[name], retryShares,
                                             options.superblocks)
                                : 0;
      if (candidate && double(candidate->instrCount()) <= budget) {
        replaceFunction(program, *candidate, retry, original);
        remarksOf[name] = retryRemarksOf[name];
      } else {
        if (candidate && candidate->instrCount() < smallestOver[name].first)
          smallestOver[name] = {candidate->instrCount(), size_t(budget)};
        stillOver.push_back(name);
      }
    }
    over = std::move(stillOver);
  }
  for (const std::string &name : over)
    if (const Function *f = original.findFunction(name)) { // not a worker: see runSuperblockPipelineOnce
      auto [smallest, budget] = smallestOver[name];
      keepAsWritten(name, "every optimized version is over the function's growth budget (the "
                          "smallest, of the first run and the retries with the inliner's "
                          "allowance halved, quartered, none, without inlining, and also "
                          "without the speculative chunks' allowance, and also without "
                          "unrolling, has " +
                              std::to_string(smallest) + " instructions against " +
                              std::to_string(budget) + " allowed; " +
                              std::to_string(f->instrCount()) +
                              " as written): the function stays as written");
    }
  emitRemarks();
}

// The program as a whole stays within programGrowthLimit x its size: when the
// hot functions' constant allowance and the speculative chunks' allowance
// take it past that, the pipeline runs again with the smallest speculative
// chunks within the speculation price of the cheapest (LoopUnrollOptions::
// sizeTolerance), then with half of each allowance, down to 8, then without
// them; and, with speculation, when that took more, also with a quarter of
// the speculative allowance alone at a time (down to none), keeping the
// result that runs fewer instructions on the training inputs, or the one
// that runs more of them under speculation for at most the speculation
// price more (every function then within growthLimit x its size); for
// small programs, two runs bisect the allowances between the last ones over
// the limit and the first within it. The size counted is the output's:
// functions no longer called from main go afterwards (dead-functions) and
// are not counted. Only small programs get there: past 64 instructions a
// function's allowance is its 2.0x.
static void runWithinProgramLimit(Program &program, const Profile &profile, PassContext &ctx,
                                  const SuperblockPipelineOptions &options,
                                  std::vector<RegionRemark> *remarks) {
  // Every retry starts from the input; for a large program this copy is
  // most often never used, but no retry can be ruled out beforehand.
  const Program original = [&] {
    PassTimer timer(ctx, "copy of the input (for retries)");
    return program;
  }();
  // The input's size, counted once: the limit and the two small-program
  // tests below ask it.
  const size_t originalSize = original.instrCount();
  double limit = options.programGrowthLimit * double(std::max<size_t>(originalSize, 1));
  // The size the limit counts: the output's, so without the functions
  // dead-functions deletes at the end (inlined at every site, their room
  // goes to the code that runs).
  auto sizeOf = [&](const Program &p) {
    return double(options.deadFunctions ? liveInstrCount(p) : p.instrCount());
  };
  // Fewer instructions on the training inputs win, unless the other runs
  // more of the program under speculation for at most the speculation
  // price more. Whether `b` is better than `a`.
  const double price = options.superblocks.forceSpeculation ? 1e9
                       : options.superblocks.preferSpeculation
                           ? options.superblocks.maxSpeculationPrice
                           : 0;
  auto better = [&](const Program &a, const Program &b) {
    std::optional<Profile> pa = reprofile(a, profile.inputs, ctx, profile);
    std::optional<Profile> pb = reprofile(b, profile.inputs, ctx, profile);
    if (!pa || !pb)
      return false;
    double costA = 0, costB = 0, specA = 0, specB = 0;
    for (const Function &f : a.functions) {
      costA += dynamicCost(f, *pa);
      specA += speculativeCost(f, *pa);
    }
    for (const Function &f : b.functions) {
      costB += dynamicCost(f, *pb);
      specB += speculativeCost(f, *pb);
    }
    if (specB > specA && costB <= costA * (1 + price))
      return true;
    if (specA > specB && costA <= costB * (1 + price))
      return false;
    return costB < costA;
  };
  // The halving below can leave much of the limit unused: between the last
  // allowances over the limit and the first within it, `kBisections` runs
  // at the midpoints, each kept when it is within the limit and better.
  constexpr int kBisections = 2;
  constexpr size_t kBisectSize = 200;
  auto bisect = [&](SuperblockPipelineOptions over, SuperblockPipelineOptions within,
                    Program &out, std::vector<RegionRemark> *rem) {
    if (originalSize > kBisectSize || profile.inputs.empty())
      return;
    for (int step = 0; step < kBisections && !ctx.failed(); ++step) {
      SuperblockPipelineOptions mid = within;
      mid.hotGrowthConstant = (over.hotGrowthConstant + within.hotGrowthConstant) / 2;
      mid.superblocks.speculativeGrowth =
          std::floor((over.superblocks.speculativeGrowth + within.superblocks.speculativeGrowth) / 2);
      if (mid.hotGrowthConstant == within.hotGrowthConstant &&
          mid.superblocks.speculativeGrowth == within.superblocks.speculativeGrowth)
        return;
      PassTimer timer(ctx, "program growth bisection (whole pipeline)");
      Program candidate = original;
      std::vector<RegionRemark> candidateRemarks;
      runWithinFunctionLimits(candidate, original, profile, ctx, mid,
                              rem ? &candidateRemarks : nullptr);
      if (ctx.failed())
        return;
      if (sizeOf(candidate) > limit) {
        over = mid;
        continue;
      }
      within = mid;
      if (better(out, candidate)) {
        out = std::move(candidate);
        if (rem)
          *rem = std::move(candidateRemarks);
      }
    }
  };
  // One schedule of retries; `chunksAlone`: the speculative allowance alone
  // is halved first (inlining kept), else both together.
  // Returns how many runs it took.
  auto schedule = [&](bool chunksAlone, SuperblockPipelineOptions tried, Program &out,
                      std::vector<RegionRemark> *rem) {
    std::optional<SuperblockPipelineOptions> over; // the last allowances over the limit
    for (int runs = 1;; ++runs) {
      PassTimer timer(ctx, runs == 1 && &out == &program ? "first run"
                                                         : "program growth retry (whole pipeline)");
      if (runs > 1 || &out != &program) // program is still `original` on its first run
        out = original;
      if (rem)
        rem->clear();
      runWithinFunctionLimits(out, original, profile, ctx, tried, rem);
      // (bisect keeps only a result within the limit: `within` stays true.)
      const bool within = !ctx.failed() && sizeOf(out) <= limit;
      if (within && over)
        bisect(*over, tried, out, rem);
      if (ctx.failed() || within ||
          (tried.hotGrowthConstant == 0 && tried.superblocks.speculativeGrowth == 0))
        return runs;
      if (tried.unroll.sizeTolerance >= tried.superblocks.maxSpeculationPrice)
        over = tried;
      // First the smallest speculative chunks within the price of the
      // cheapest, with the same allowances; then the halving.
      if (tried.unroll.sizeTolerance < tried.superblocks.maxSpeculationPrice) {
        tried.unroll.sizeTolerance = tried.superblocks.maxSpeculationPrice;
        continue;
      }
      double &chunks = tried.superblocks.speculativeGrowth;
      if (chunksAlone) {
        // A quarter at a time, and no further than none (the other
        // schedule halves both).
        if (chunks <= 0)
          return runs;
        chunks = chunks > 8 ? chunks / 4 : 0;
        continue;
      }
      tried.hotGrowthConstant = tried.hotGrowthConstant > 8 ? tried.hotGrowthConstant / 2 : 0;
      chunks = chunks > 8 ? chunks / 2 : 0;
    }
  };
  int runs = schedule(false, options, program, remarks);
  // (It costs up to five more runs and two profiles: only for programs of
  // at most kSecondScheduleSize instructions, the small ones the limit binds.)
  constexpr size_t kSecondScheduleSize = 200;
  if (ctx.failed() || runs <= 2 || !options.superblocks.speculation ||
      options.superblocks.speculativeGrowth <= 0 || profile.inputs.empty() ||
      originalSize > kSecondScheduleSize)
    return;
  // Over the limit even with the smallest chunks: the other schedule too
  // (from where the two part), and the one that runs fewer instructions on
  // the training inputs wins (inlining lost to make room for chunks can
  // cost more than they bring, or less).
  SuperblockPipelineOptions parted = options;
  parted.unroll.sizeTolerance = std::max(parted.unroll.sizeTolerance,
                                         parted.superblocks.maxSpeculationPrice);
  double &chunks = parted.superblocks.speculativeGrowth;
  chunks = chunks > 8 ? chunks / 4 : 0;
  Program other;
  std::vector<RegionRemark> otherRemarks;
  schedule(true, parted, other, remarks ? &otherRemarks : nullptr);
  if (ctx.failed() || sizeOf(other) > limit)
    return;
  if (better(program, other)) {
    program = std::move(other);
    if (remarks)
      *remarks = std::move(otherRemarks);
  }
}

// The functions that inlining left without a caller go last (the
// program-level limit above counts the program without them: the output's
// size).
void runSuperblockPipeline(Program &program, const Profile &profile, PassContext &ctx,
                           const SuperblockPipelineOptions &options,
                           std::vector<RegionRemark> *remarks) {
  runWithinProgramLimit(program, profile, ctx, options, remarks);
  if (ctx.failed() || !options.deadFunctions)
    return;
  PassScope scope(ctx, kDeadFunctionsPass.name, program);
  if (!removeUncalledFunctions(program) || !remarks)
    return;
  // A deleted function's regions never run: their remarks go with it.
  llvm::StringSet<> kept;
  for (const Function &f : program.functions)
    kept.insert(f.name);
  std::erase_if(*remarks, [&](const RegionRemark &r) { return !kept.contains(r.function); });
}

} // namespace brisk
