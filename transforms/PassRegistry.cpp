#include "transforms/PassRegistry.h"

#include "analysis/AnalysisCache.h"
#include "analysis/MemoryAlias.h"

#include "transforms/scalar/AggressiveDCE.h"
#include "transforms/scalar/CopyPropagation.h"
#include "transforms/loops/CopyUnroll.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/scalar/GVN.h"
#include "transforms/scalar/LoopCarriedGVN.h"
#include "transforms/loops/FullUnroll.h"
#include "transforms/loops/LICM.h"
#include "transforms/loops/LinearTestReplacement.h"
#include "transforms/loops/LoopRotation.h"
#include "transforms/memory/LoadHoisting.h"
#include "transforms/memory/LoopCellPromotion.h"
#include "transforms/memory/PointerOffsets.h"
#include "transforms/memory/RedundantLoads.h"
#include "transforms/loops/LoopUnroll.h"
#include "transforms/loops/StrengthReduction.h"
#include "transforms/memory/ScalarReplacement.h"
#include "transforms/ssa/PhisToSetGet.h"
#include "transforms/interprocedural/DeadFunctions.h"
#include "transforms/interprocedural/RecursiveConstants.h"
#include "transforms/scalar/SCCP.h"
#include "transforms/scalar/Simplify.h"
#include "transforms/scalar/Sink.h"
#include "transforms/interprocedural/TailRecursion.h"
#include "transforms/ssa/ToSSA.h"

#include <cassert>
#include <optional>

namespace brisk {

namespace {

bool runToSSA(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions) {
    // toSSA asks canConvertToSSA itself (a definite-assignment analysis of
    // the whole function): false when the function stays as it is
    // (speculation, set/get, a possibly undefined read; see ToSSA.h).
    if (ctx.isSSA(f) || !ctx.covers(f) || !toSSA(f))
      continue;
    changed = true;
    ctx.setSSA(f, true);
  }
  return changed;
}

bool runFromSSA(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions) {
    if (!ctx.covers(f) || (!ctx.isSSA(f) && !containsPhi(f)))
      continue;
    changed |= fromSSA(f);
    ctx.setSSA(f, false);
  }
  return changed;
}

bool runPhisToSetGet(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions)
    if (ctx.covers(f))
      changed |= phisToSetGet(f);
  return changed;
}

bool runGVN(Program &p, PassContext &ctx) { return runOnSSAFunctionsWithFacts(p, ctx, numberValues); }
bool runLoopCarriedGVN(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWithFacts(p, ctx, reuseValuesAcrossIterations);
}
bool runStrengthReduction(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWithFacts(p, ctx, reduceInductionVariables);
}
bool runLinearTestReplacement(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWithFacts(p, ctx, replaceExitTests);
}
bool runLICM(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWithFacts(p, ctx, hoistLoopInvariants);
}
// The facts a runner hands a pass for f: the context's retained ones, else
// its own, made in `local` (of an SSA function they read no guards:
// PassContext::mayHaveGuards).
AnalysisCache &factsFor(std::optional<AnalysisCache> &local, PassContext &ctx,
                        const Function &f) {
  if (AnalysisCache *retained = ctx.retainedFacts(f))
    return *retained;
  return local.emplace(f, ctx.mayHaveGuards(f) ? CFG::Guards::Scan : CFG::Guards::Absent);
}

// The memory passes: SSA functions, knowing which functions never write
// (the context's shared set, else `own`, found now).
const llvm::StringSet<> *memoryWriters(const Program &p, PassContext &ctx,
                                       llvm::StringSet<> &own) {
  if (const llvm::StringSet<> *shared = ctx.sharedMemoryWriters())
    return shared;
  own = functionsThatWriteMemory(p);
  return &own;
}
// The memory instructions of the i-th function when the context shares
// them (PassContext::shareMemoryOps), else null: the pass looks itself.
const MemoryOps *memoryOps(const PassContext &ctx, size_t i) {
  const std::vector<MemoryOps> *ops = ctx.sharedMemoryOps();
  return ops ? &(*ops)[i] : nullptr;
}
// Runs `pass` on each SSA function the context covers, but for one whose
// shared ops say it has none of the instructions `needs` names: the pass
// would leave it as it is, after a walk of it to find that out.
template <typename Pass>
bool runOnSSAFunctionsWith(Program &p, PassContext &ctx, bool MemoryOps::*needs, Pass pass) {
  bool changed = false;
  for (size_t i = 0; i < p.functions.size(); ++i) {
    Function &f = p.functions[i];
    const MemoryOps *ops = memoryOps(ctx, i);
    if (ctx.isSSA(f) && ctx.covers(f) && (!ops || ops->*needs))
      changed |= pass(f);
  }
  return changed;
}
bool runRedundantLoads(Program &p, PassContext &ctx) {
  llvm::StringSet<> own;
  const llvm::StringSet<> *writers = memoryWriters(p, ctx, own);
  return runOnSSAFunctionsWith(p, ctx, &MemoryOps::load,
                               [&](Function &f) { return eliminateRedundantLoads(f, writers); });
}
bool runLoadHoisting(Program &p, PassContext &ctx) {
  llvm::StringSet<> own;
  const llvm::StringSet<> *writers = memoryWriters(p, ctx, own);
  bool changed = false;
  for (size_t i = 0; i < p.functions.size(); ++i) {
    Function &f = p.functions[i];
    if (ctx.isSSA(f) && ctx.covers(f)) {
      std::optional<AnalysisCache> local;
      AnalysisCache &facts = factsFor(local, ctx, f);
      if (hoistInvariantLoads(f, writers, facts, memoryOps(ctx, i))) {
        changed = true;
        facts.invalidateInstrs();
      }
    }
  }
  return changed;
}
bool runCellPromotion(Program &p, PassContext &ctx) {
  llvm::StringSet<> own;
  const llvm::StringSet<> *writers = memoryWriters(p, ctx, own);
  bool changed = false;
  for (size_t i = 0; i < p.functions.size(); ++i) {
    Function &f = p.functions[i];
    if (ctx.isSSA(f) && ctx.covers(f)) {
      std::optional<AnalysisCache> local;
      changed |= promoteLoopCells(f, writers, factsFor(local, ctx, f), memoryOps(ctx, i));
    }
  }
  return changed;
}
bool runPointerOffsets(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWith(p, ctx, &MemoryOps::ptrAdd, rebasePointerOffsets);
}
bool unrollFullyUnlimited(Function &f) { return unrollLoopsFully(f); }
bool runFullUnroll(Program &p, PassContext &ctx) {
  return runOnSSAFunctions(p, ctx, unrollFullyUnlimited);
}
bool runLoopRotation(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWithFacts(p, ctx, rotateLoops);
}
bool runSCCP(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWithFacts(p, ctx, propagateConstants);
}
bool runScalarReplacement(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWith(p, ctx, &MemoryOps::alloc, replaceAllocationsByScalars);
}
bool runCopyPropagation(Program &p, PassContext &ctx) { return runOnSSAFunctions(p, ctx, propagateCopies); }
bool runAggressiveDCE(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWithFacts(p, ctx, eliminateDeadCodeAggressively);
}
bool runSink(Program &p, PassContext &ctx) {
  return runOnSSAFunctionsWithFacts(p, ctx, sinkInstructions);
}
// Plain functions only; without a profile every counted loop is unrolled.
bool runLoopUnroll(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions)
    if (!ctx.isSSA(f) && ctx.covers(f))
      changed |= unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4});
  return changed;
}
// Plain functions only; without a profile every candidate loop is unrolled.
bool runCopyUnroll(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions)
    if (!ctx.isSSA(f) && ctx.covers(f))
      changed |= unrollForCoalescing(f, nullptr);
  return changed;
}
// Plain functions only, without a profile (accumulators always).
bool runTailRecursion(Program &p, PassContext &ctx) {
  llvm::StringSet<> names;
  for (const Function &f : p.functions)
    if (!names.insert(f.name).second)
      return false; // calls would be ambiguous
  bool changed = false;
  for (Function &f : p.functions)
    if (!ctx.isSSA(f) && ctx.covers(f))
      changed |= eliminateTailRecursion(f, nullptr);
  return changed;
}
// Plain functions only; without a profile every constant variable of every
// self-recursive function moves.
bool runRecursiveConstants(Program &p, PassContext &ctx) {
  for (const Function &f : p.functions)
    if (ctx.isSSA(f))
      return false;
  return !passConstantsDownRecursion(p, nullptr).empty();
}
bool runDeadFunctions(Program &p, PassContext &) { return removeUncalledFunctions(p); }
// SSA or plain: simplifyCFG itself skips what it cannot handle. Takes the
// retained facts (PassContext::retainFacts) when there are some.
bool runSimplifyCFG(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions)
    if (ctx.covers(f)) {
      AnalysisCache *facts = ctx.retainedFacts(f);
      changed |= facts ? simplifyCFG(f, *facts, ctx.isSSA(f)) : simplifyCFG(f);
    }
  return changed;
}

} // namespace

bool runOnSSAFunctions(Program &p, PassContext &ctx, bool (*pass)(Function &),
                       llvm::StringSet<> *changed) {
  bool any = false;
  for (Function &f : p.functions)
    if (ctx.isSSA(f) && ctx.covers(f) && pass(f)) {
      any = true;
      if (changed)
        changed->insert(f.name);
    }
  return any;
}

bool runOnSSAFunctionsWithFacts(Program &p, PassContext &ctx,
                                bool (*pass)(Function &, AnalysisCache &),
                                llvm::StringSet<> *changed) {
  bool any = false;
  for (Function &f : p.functions) {
    if (!ctx.isSSA(f) || !ctx.covers(f))
      continue;
    std::optional<AnalysisCache> local;
    AnalysisCache &facts = factsFor(local, ctx, f);
    if (pass(f, facts)) {
      facts.invalidateInstrs(); // the CFG facts are the pass's to keep true
      any = true;
      if (changed)
        changed->insert(f.name);
    }
  }
  return any;
}

#define BRISK_PASS(Id, Name, Runner, Summary) const PassInfo Id{Name, Summary, Runner};
#define BRISK_PIPELINE_PASS(Id, Name, Summary) const PassInfo Id{Name, Summary, nullptr};
#include "transforms/Passes.def"

const std::vector<const PassInfo *> &registeredPasses() {
  static const std::vector<const PassInfo *> table = {
#define BRISK_PASS(Id, Name, Runner, Summary) &Id,
#define BRISK_PIPELINE_PASS(Id, Name, Summary) &Id,
#include "transforms/Passes.def"
  };
  return table;
}

std::vector<std::string_view> passNames() {
  std::vector<std::string_view> names;
  for (const PassInfo *p : registeredPasses())
    names.push_back(p->name);
  return names;
}

const PassInfo *findPass(std::string_view name) {
  for (const PassInfo *p : registeredPasses())
    if (p->name == name)
      return p;
  return nullptr;
}

bool runPass(Program &program, PassContext &ctx, const PassInfo &pass) {
  assert(pass.run && "a pipeline-only pass runs inside Pipeline.cpp");
  PassScope scope(ctx, pass.name, program);
  bool changed = pass.run(program, ctx);
  scope.setChanged(changed);
  return changed;
}

bool runPassList(Program &program, PassContext &ctx, std::string_view list, std::string &error) {
  std::vector<const PassInfo *> passes;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (name.empty())
      continue;
    const PassInfo *p = findPass(name);
    if (!p || !p->run) {
      error = (p ? "pass '" + std::string(name) + "' runs only inside the superblock pipeline"
                 : "unknown pass '" + std::string(name) + "'") +
              "; passes that run on their own:";
      for (const PassInfo *q : registeredPasses())
        if (q->run)
          (error += ' ') += q->name;
      return false;
    }
    passes.push_back(p);
  }
  for (const PassInfo *p : passes)
    runPass(program, ctx, *p);
  return true;
}

} // namespace brisk
