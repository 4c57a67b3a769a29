// PassRegistry: the name-to-pass table, so tests and users can run
// `--passes=a,b`. It exists for that only; the compiler's own plan is the
// ordered calls in Pipeline.cpp.
//
// A registered pass runs over the whole program; runPass() wraps it in a
// PassScope (dump, verify). To add a pass: define its PassInfo next to the
// others in PassRegistry.cpp and list it in the table there.
#pragma once

#include "transforms/PassScope.h"

#include <string>
#include <string_view>
#include <vector>

namespace brisk {

struct PassInfo {
  std::string_view name;
  std::string_view summary;
  // Returns whether it changed the program. May record SSA-ness in the context.
  bool (*run)(Program &program, PassContext &ctx);
};

extern const PassInfo kToSSAPass;       // "to-ssa"
extern const PassInfo kFromSSAPass;     // "from-ssa"
extern const PassInfo kPhisToSetGetPass; // "phis-to-set-get"
extern const PassInfo kGVNPass;          // "gvn"
extern const PassInfo kLoopCarriedGVNPass; // "gvn-loops"
extern const PassInfo kStrengthReductionPass; // "strength-reduce"
extern const PassInfo kLICMPass;         // "licm"
extern const PassInfo kLoopRotationPass; // "loop-rotate"
extern const PassInfo kSCCPPass;            // "sccp"
extern const PassInfo kCopyPropagationPass; // "copy-prop"
extern const PassInfo kAggressiveDCEPass;   // "adce"
extern const PassInfo kSimplifyCFGPass;     // "simplify-cfg"
extern const PassInfo kSinkPass;            // "sink"
extern const PassInfo kLoopUnrollPass;      // "unroll"
extern const PassInfo kTailRecursionPass;   // "tail-recursion"
extern const PassInfo kRecursiveConstantsPass; // "recursive-constants"
extern const PassInfo kCopyUnrollPass;      // "copy-unroll"

const std::vector<const PassInfo *> &registeredPasses();
const PassInfo *findPass(std::string_view name);

// Runs one pass inside a PassScope.
bool runPass(Program &program, PassContext &ctx, const PassInfo &pass);
// Runs a comma-separated list of pass names in order. On an unknown name
// runs nothing, sets `error` and returns false.
bool runPassList(Program &program, PassContext &ctx, std::string_view list, std::string &error);

} // namespace brisk
