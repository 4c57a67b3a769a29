// PassRegistry: the name-to-pass table, so tests and users can run
// `--passes=a,b`. It exists for that only; the compiler's own plan is the
// ordered calls in Pipeline.cpp.
//
// The passes are the rows of Passes.def. A pass with a runner runs over the
// whole program; runPass() wraps it in a PassScope (dump, verify). To add a
// pass: add its row to Passes.def and, if it runs on its own, its runner to
// PassRegistry.cpp.
#pragma once

#include "transforms/PassScope.h"

#include <string>
#include <string_view>
#include <vector>

namespace brisk {

struct PassInfo {
  std::string_view name;
  std::string_view summary;
  // Returns whether it changed the program. May record SSA-ness in the
  // context. Null for a pipeline-only pass (see Passes.def).
  bool (*run)(Program &program, PassContext &ctx);
};

// One PassInfo per row of Passes.def: kToSSAPass, kInlinePass, ...
#define BRISK_PASS(Id, Name, Runner, Summary) extern const PassInfo Id;
#define BRISK_PIPELINE_PASS(Id, Name, Summary) extern const PassInfo Id;
#include "transforms/Passes.def"

// Every pass of Passes.def, in its order.
const std::vector<const PassInfo *> &registeredPasses();
// Their names: what `--dump-after` accepts (besides "all").
std::vector<std::string_view> passNames();
// The pass named `name`, or nullptr.
const PassInfo *findPass(std::string_view name);

// Runs `pass` on every function in SSA form that the context covers (GVN,
// LICM, loop rotation and most SSA passes run so; the others stay as they
// are). Adds the names of the functions it changed to `changed` when given.
bool runOnSSAFunctions(Program &p, PassContext &ctx, bool (*pass)(Function &),
                       llvm::StringSet<> *changed = nullptr);

// runOnSSAFunctions for a pass that takes the function's AnalysisCache and
// leaves it describing the function: the context's retained one while it
// retains facts (PassContext::retainFacts), else a fresh one per function.
bool runOnSSAFunctionsWithFacts(Program &p, PassContext &ctx,
                                bool (*pass)(Function &, AnalysisCache &),
                                llvm::StringSet<> *changed = nullptr);

// Runs one pass inside a PassScope. The pass must have a runner.
bool runPass(Program &program, PassContext &ctx, const PassInfo &pass);
// Runs a comma-separated list of pass names in order. On an unknown name, or
// the name of a pipeline-only pass, runs nothing, sets `error` and returns
// false.
bool runPassList(Program &program, PassContext &ctx, std::string_view list, std::string &error);

} // namespace brisk
