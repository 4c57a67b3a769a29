// PassContext and PassScope: what runs around every pass (B3's PhaseScope).
//
// A PassScope is opened for the duration of one pass over a program. When it
// closes it
//   - dumps the IR as text if the pass is named in --dump-after (or "all"),
//   - when validation is on (tests and `--verify` turn it on), runs the
//     verifier (analysis/Verifier.h) on every function, in SSA mode for the
//     functions the context records as being in SSA form; on failure it
//     prints the pass name, every violation, the IR before the pass and the
//     IR after it, and marks the context failed.
// Taking the "before" snapshot costs a print of the program, so it is only
// done when validation is on.
//
// With PassOptions::timePasses the context also adds up the CPU time each
// pass name took (`brisk opt --time-passes`, LLVM's -time-passes). A
// PassTimer times any other step under a name of its own (the pipeline's
// profiling runs). Times are inclusive: a scope opened inside another counts
// in both.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/StringSet.h>

#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace brisk {

class AnalysisCache;
struct MemoryOps;

struct PassOptions {
  bool validate = false;
  bool speculationEffects = false;     // verifier check E1 as well
  std::vector<std::string> dumpAfter; // pass names; "all" dumps after every pass
  std::ostream *dumpStream = nullptr;  // default std::cerr
  std::ostream *errorStream = nullptr; // default std::cerr
  bool timePasses = false;             // add up each pass's CPU time
};

// The CPU time and number of runs of one pass name.
struct PassTime {
  std::string name;
  double seconds = 0;
  unsigned runs = 0;
};

class PassContext {
public:
  // Out of line, where AnalysisCache is complete.
  explicit PassContext(PassOptions options = {});
  ~PassContext();
  PassContext(const PassContext &) = delete;
  PassContext &operator=(const PassContext &) = delete;

  const PassOptions &options() const { return options_; }
  bool failed() const { return failed_; }
  void markFailed() { failed_ = true; }

  // Which functions are in SSA form (so the verifier checks D1-D3 on them).
  bool isSSA(const Function &f) const { return ssa_.contains(f.name); }
  // Whether the CFG of f must look for guards' edges: not in SSA form, for
  // only to-ssa puts a function there, and only when it has no speculation
  // (isPlainNonSpeculative), and no pass gives an SSA function a guard
  // (speculation comes from the unroller and superblocks, on plain
  // functions). The AnalysisCaches the context and the runners make for an
  // SSA function then build every CFG from the terminators alone.
  bool mayHaveGuards(const Function &f) const { return !isSSA(f); }
  void setSSA(const Function &f, bool ssa) {
    if (ssa)
      ssa_.insert(f.name);
    else
      ssa_.erase(f.name);
  }

  // Restricts the registered passes to the functions named in `names` (null:
  // every function, the default); the others stay as they are. The set must
  // outlive the restriction. (The pipeline's strength-reduction check runs
  // the scalar passes again on the functions it changed, and only on them.)
  void restrictTo(const llvm::StringSet<> *names) { only_ = names; }
  bool covers(const Function &f) const { return !only_ || only_->contains(f.name); }
  bool shouldDump(std::string_view pass) const;
  std::ostream &dumpStream() const;
  std::ostream &errorStream() const;
  // Between retainFacts(true) and retainFacts(false) the passes that take an
  // AnalysisCache (runOnSSAFunctionsWithFacts) share one per function, so a
  // CFG, dominator tree and loop nest built by one loop pass serve the next
  // ones until some pass changes the CFG. Only passes that keep the facts
  // true (each such pass invalidates what it changes) or change instructions
  // only (never a terminator, guard, label or the layout) may run in
  // between; the pipeline opens this around its scalar and loop passes. retainFacts(false)
  // drops them all. retainedFacts is null when not retaining. (Facts made
  // for a function in SSA form read no guards: see mayHaveGuards; they are
  // made again should the function have left it since.) The facts read off
  // the instructions (AnalysisCache::invalidateInstrs) are handed on only
  // when no pass scope has closed since the last hand-out without saying
  // it changed nothing (PassScope::setChanged): a pass that takes no facts
  // may have edited instructions without telling them. A pass that says it
  // changed nothing but moved instructions (simplify-cfg makes jumps and
  // drops them again) drops its own facts' (invalidateInstrs); with
  // validation on, a hand-out checks that the sites it hands on are what a
  // build now would make, and fails the context if not.
  void retainFacts(bool on);
  AnalysisCache *retainedFacts(const Function &f);
  // A pass scope closed that may have changed the program (PassScope).
  void noteChange() { ++changes_; }
  // The program's memory writers (analysis/MemoryAlias.h
  // functionsThatWriteMemory) for the memory passes, while shared (null:
  // each memory pass finds them itself, a walk of the whole program). Only
  // passes that add or remove no store, free or call, and no function, may
  // run while they are shared; the set must outlive the sharing.
  void shareMemoryWriters(const llvm::StringSet<> *writers) { writers_ = writers; }
  const llvm::StringSet<> *sharedMemoryWriters() const { return writers_; }
  // Each function's memory instructions (analysis/MemoryAlias.h MemoryFacts
  // ops, by position in the program's functions) for the memory passes,
  // while shared (null: each memory pass walks a function to see whether it
  // has what the pass looks for). A function the ops say has no alloc,
  // load, store or ptradd has none: only passes that give none of them to a
  // function without one, and add, remove or reorder no function, may run
  // while they are shared. (The memory passes remove allocs, turn loads
  // into ids, move loads and store a promoted cell where its loop stored
  // it; the scalar, loop and value numbering passes copy, move or remove
  // instructions, and make a ptradd only of a pointer chain that has one:
  // strength reduction's pointer induction variables.) A function they say
  // has one may have lost it since: the pass then finds nothing to do. The
  // ops must outlive the sharing.
  void shareMemoryOps(const std::vector<MemoryOps> *ops) { ops_ = ops; }
  const std::vector<MemoryOps> *sharedMemoryOps() const { return ops_; }
  // Timing (only with PassOptions::timePasses): the passes in the order they
  // first ran.
  bool timing() const { return options_.timePasses; }
  void addTime(std::string_view name, double seconds);
  const std::vector<PassTime> &times() const { return times_; }

private:
  PassOptions options_;
  bool failed_ = false;
  llvm::StringSet<> ssa_;
  const llvm::StringSet<> *only_ = nullptr;
  const llvm::StringSet<> *writers_ = nullptr;
  const std::vector<MemoryOps> *ops_ = nullptr;
  bool retaining_ = false;
  struct Retained {
    std::unique_ptr<AnalysisCache> facts;
    uint64_t changes = 0; // changes_ at the last hand-out
  };
  std::unordered_map<const Function *, Retained> facts_;
  uint64_t changes_ = 0; // scopes closed that may have changed the program
  std::vector<PassTime> times_;
  llvm::StringMap<size_t> timeIndex_;
};

// The process's CPU time in seconds (user + system).
double cpuSeconds();

// Adds the CPU time from its construction to its destruction to `name` in a
// timing context; does nothing in any other.
class PassTimer {
public:
  PassTimer(PassContext &ctx, std::string_view name);
  ~PassTimer();
  PassTimer(const PassTimer &) = delete;
  PassTimer &operator=(const PassTimer &) = delete;
private:
  PassContext &ctx_;
  std::string_view name_;
  double start_ = 0;
};

// The table --time-passes prints: each pass's CPU seconds, share of `total`,
// and runs, slowest first.
void printPassTimes(const PassContext &ctx, double total, std::ostream &os);

class PassScope {
public:
  PassScope(PassContext &ctx, std::string_view name, Program &program);
  ~PassScope();
  PassScope(const PassScope &) = delete;
  PassScope &operator=(const PassScope &) = delete;
  // Whether the pass changed the program (what its runner returns). Unless
  // told it did not, the context takes it that it may have
  // (PassContext::retainedFacts); a pass that reports no change has moved
  // no instruction either, or has dropped the instruction facts of those
  // it was given (AnalysisCache::invalidateInstrs).
  void setChanged(bool changed) { changed_ = changed; }

private:
  PassContext &ctx_;
  bool changed_ = true;
  std::string name_;
  Program &program_;
  std::string before_;
  double start_ = 0;
};

// Runs the verifier on every function as the context says; prints the
// violations under `heading` and returns false on failure.
bool verifyInContext(const Program &program, PassContext &ctx, std::string_view heading);

} // namespace brisk
