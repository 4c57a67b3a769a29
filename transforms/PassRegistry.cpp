#include "transforms/PassRegistry.h"

#include "transforms/scalar/AggressiveDCE.h"
#include "transforms/scalar/CopyPropagation.h"
#include "transforms/loops/CopyUnroll.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/scalar/GVN.h"
#include "transforms/scalar/LoopCarriedGVN.h"
#include "transforms/loops/LICM.h"
#include "transforms/loops/LoopRotation.h"
#include "transforms/loops/LoopUnroll.h"
#include "transforms/loops/StrengthReduction.h"
#include "transforms/ssa/PhisToSetGet.h"
#include "transforms/interprocedural/RecursiveConstants.h"
#include "transforms/scalar/SCCP.h"
#include "transforms/scalar/Simplify.h"
#include "transforms/scalar/Sink.h"
#include "transforms/interprocedural/TailRecursion.h"
#include "transforms/ssa/ToSSA.h"

namespace brisk {

namespace {

bool hasPhis(const Function &f) {
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Phi)
        return true;
  return false;
}

bool runToSSA(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions) {
    if (ctx.isSSA(f) || !canConvertToSSA(f))
      continue; // speculation or set/get: stays as it is (see ToSSA.h)
    changed |= toSSA(f);
    ctx.setSSA(f, true);
  }
  return changed;
}

bool runFromSSA(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions) {
    if (!ctx.isSSA(f) && !hasPhis(f))
      continue;
    changed |= fromSSA(f);
    ctx.setSSA(f, false);
  }
  return changed;
}

bool runPhisToSetGet(Program &p, PassContext &) {
  bool changed = false;
  for (Function &f : p.functions)
    changed |= phisToSetGet(f);
  return changed;
}

// GVN, LICM, loop rotation: SSA functions only (the others stay as they are).
bool runOnSSAFunctions(Program &p, PassContext &ctx, bool (*pass)(Function &)) {
  bool changed = false;
  for (Function &f : p.functions)
    if (ctx.isSSA(f))
      changed |= pass(f);
  return changed;
}
bool runGVN(Program &p, PassContext &ctx) { return runOnSSAFunctions(p, ctx, numberValues); }
bool runLoopCarriedGVN(Program &p, PassContext &ctx) {
  return runOnSSAFunctions(p, ctx, reuseValuesAcrossIterations);
}
bool runStrengthReduction(Program &p, PassContext &ctx) {
  return runOnSSAFunctions(p, ctx, reduceInductionVariables);
}
bool runLICM(Program &p, PassContext &ctx) { return runOnSSAFunctions(p, ctx, hoistLoopInvariants); }
bool runLoopRotation(Program &p, PassContext &ctx) { return runOnSSAFunctions(p, ctx, rotateLoops); }
bool runSCCP(Program &p, PassContext &ctx) { return runOnSSAFunctions(p, ctx, propagateConstants); }
bool runCopyPropagation(Program &p, PassContext &ctx) { return runOnSSAFunctions(p, ctx, propagateCopies); }
bool runAggressiveDCE(Program &p, PassContext &ctx) {
  return runOnSSAFunctions(p, ctx, eliminateDeadCodeAggressively);
}
bool runSink(Program &p, PassContext &ctx) { return runOnSSAFunctions(p, ctx, sinkInstructions); }
// Plain functions only; without a profile every counted loop is unrolled.
bool runLoopUnroll(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions)
    if (!ctx.isSSA(f))
      changed |= unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4});
  return changed;
}
// Plain functions only; without a profile every candidate loop is unrolled.
bool runCopyUnroll(Program &p, PassContext &ctx) {
  bool changed = false;
  for (Function &f : p.functions)
    if (!ctx.isSSA(f))
      changed |= unrollForCoalescing(f, nullptr);
  return changed;
}
// Plain functions only, without a profile (accumulators always).
bool runTailRecursion(Program &p, PassContext &ctx) {
  for (size_t i = 0; i < p.functions.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (p.functions[i].name == p.functions[j].name)
        return false; // calls would be ambiguous
  bool changed = false;
  for (Function &f : p.functions)
    if (!ctx.isSSA(f))
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
// SSA or plain: simplifyCFG itself skips what it cannot handle.
bool runSimplifyCFG(Program &p, PassContext &) {
  bool changed = false;
  for (Function &f : p.functions)
    changed |= simplifyCFG(f);
  return changed;
}

} // namespace

const PassInfo kToSSAPass{"to-ssa", "pruned SSA construction with phis", runToSSA};
const PassInfo kFromSSAPass{"from-ssa", "out of SSA with copy coalescing", runFromSSA};
const PassInfo kPhisToSetGetPass{"phis-to-set-get", "phis to Bril's set/get (still SSA)",
                                 runPhisToSetGet};
const PassInfo kGVNPass{"gvn", "dominator-based value numbering (CSE, constants, copies)", runGVN};
const PassInfo kLoopCarriedGVNPass{"gvn-loops",
                                   "reuse a value of one loop iteration in the next, through header phis",
                                   runLoopCarriedGVN};
const PassInfo kStrengthReductionPass{"strength-reduce",
                                      "affine functions of a loop counter become induction variables",
                                      runStrengthReduction};
const PassInfo kLICMPass{"licm", "hoist loop-invariant pure instructions to preheaders", runLICM};
const PassInfo kLoopRotationPass{"loop-rotate", "while loops to guarded do-while loops",
                                 runLoopRotation};
const PassInfo kSCCPPass{"sccp", "sparse conditional constant propagation", runSCCP};
const PassInfo kCopyPropagationPass{"copy-prop", "replace copies and trivial phis by their value",
                                    runCopyPropagation};
const PassInfo kAggressiveDCEPass{"adce", "mark-sweep dead code elimination from side effects",
                                  runAggressiveDCE};
const PassInfo kSimplifyCFGPass{"simplify-cfg", "jump threading, block merging, block placement",
                                runSimplifyCFG};
const PassInfo kSinkPass{"sink", "move pure instructions into the one successor that uses them",
                         runSink};
const PassInfo kLoopUnrollPass{"unroll", "unroll counted loops, one trip-count test per chunk (plain form)",
                               runLoopUnroll};
const PassInfo kTailRecursionPass{"tail-recursion",
                                  "self tail calls (and accumulator recursion) to loops (plain form)",
                                  runTailRecursion};
const PassInfo kCopyUnrollPass{"copy-unroll",
                               "unroll loops by two so out-of-SSA drops their back-edge copies "
                               "(plain form)",
                               runCopyUnroll};

const PassInfo kRecursiveConstantsPass{
    "recursive-constants",
    "constants of self-recursive functions passed down their calls (plain form)",
    runRecursiveConstants};

const std::vector<const PassInfo *> &registeredPasses() {
  static const std::vector<const PassInfo *> table = {
      &kToSSAPass,
      &kFromSSAPass,
      &kPhisToSetGetPass,
      &kGVNPass,
      &kLoopCarriedGVNPass,
      &kStrengthReductionPass,
      &kLICMPass,
      &kLoopRotationPass,
      &kSCCPPass,
      &kCopyPropagationPass,
      &kAggressiveDCEPass,
      &kSimplifyCFGPass,
      &kSinkPass,
      &kLoopUnrollPass,
      &kCopyUnrollPass,
      &kTailRecursionPass,
      &kRecursiveConstantsPass,
  };
  return table;
}

const PassInfo *findPass(std::string_view name) {
  for (const PassInfo *p : registeredPasses())
    if (p->name == name)
      return p;
  return nullptr;
}

bool runPass(Program &program, PassContext &ctx, const PassInfo &pass) {
  PassScope scope(ctx, pass.name, program);
  return pass.run(program, ctx);
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
    if (!p) {
      error = "unknown pass '" + std::string(name) + "'; known passes:";
      for (const PassInfo *q : registeredPasses())
        error += " " + std::string(q->name);
      return false;
    }
    passes.push_back(p);
  }
  for (const PassInfo *p : passes)
    runPass(program, ctx, *p);
  return true;
}

} // namespace brisk
