// AnalysisCache: the derived facts of one function, each computed on first
// request and kept until a pass says it is stale (QBE/B3 style: facts are
// rebuilt from scratch, never patched).
//
// A pass that edits the CFG (terminators, guards, labels, layout) calls
// invalidateCFG(), which drops everything; one that edits only instructions
// calls invalidateInstrs(), which keeps the CFG facts and drops those read
// off the instructions (the definition sites). A pass that moves an
// instruction, even one it then puts back or removes again, has edited
// them: the definition sites point at the instructions.
// References returned by the getters stay valid until the next invalidation.
#pragma once

#include "analysis/CFG.h"
#include "analysis/DefSites.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"

#include <optional>

namespace brisk {

class AnalysisCache {
public:
  // `guards`: CFG::Guards::Absent when f has no `guard` for as long as the
  // cache lives (an SSA function has none: PassContext::guardsOf), so that
  // every CFG it builds reads the terminators alone, not every instruction.
  explicit AnalysisCache(const Function &f, CFG::Guards guards = CFG::Guards::Scan)
      : f_(f), guards_(guards) {}

  const Function &function() const { return f_; }
  const CFG &cfg() {
    if (!cfg_)
      cfg_.emplace(f_, guards_);
    return *cfg_;
  }
  // The same CFG; when it is still to be built and `guards` is
  // CFG::Guards::Absent (the caller has just seen every instruction and no
  // `guard`), built from the terminators alone, without a walk over every
  // instruction. Either way the edges are the function's.
  const CFG &cfg(CFG::Guards guards) {
    if (!cfg_)
      cfg_.emplace(f_, guards_ == CFG::Guards::Absent ? guards_ : guards);
    return *cfg_;
  }
  CFG::Guards guards() const { return guards_; }
  const DominatorTree &domTree() {
    if (!dom_)
      dom_.emplace(cfg());
    return *dom_;
  }
  const DominanceFrontier &frontier() {
    if (!df_)
      df_.emplace(cfg(), domTree());
    return *df_;
  }
  const LoopInfo &loops() {
    if (!loops_)
      loops_.emplace(cfg(), domTree());
    return *loops_;
  }
  // Built on a function of a million instructions, a walk of every one:
  // the loop passes that run one after another each ask it, and those that
  // change nothing hand it on.
  // (Built again when the function has gained variables since: a build
  // now would cover them.)
  const DefSites &defSites() {
    if (!defs_ || defs_->size() != f_.numVars())
      defs_.emplace(f_);
    return *defs_;
  }
  // The definition sites if built and not dropped since, else null.
  const DefSites *builtDefSites() const { return defs_ ? &*defs_ : nullptr; }
  void invalidateCFG() {
    cfg_.reset();
    dom_.reset();
    df_.reset();
    loops_.reset();
    defs_.reset();
  }
  void invalidateInstrs() { defs_.reset(); }

private:
  const Function &f_;
  CFG::Guards guards_;
  std::optional<CFG> cfg_;
  std::optional<DominatorTree> dom_;
  std::optional<DominanceFrontier> df_;
  std::optional<LoopInfo> loops_;
  std::optional<DefSites> defs_;
};

} // namespace brisk
