// DifferentialCheck: the oracle of `brisk fuzz` and of the optimizer fuzz
// target. One check takes a program, a training input and some test inputs:
//
//   1. run the original on every input under an instruction limit; profile
//      it on the first input (training input first) on which it ends without
//      error, as `brisk pgo` would refuse a failing training run. No such
//      input: the case is Invalid (there is nothing to profile);
//   2. optimize a copy with runSuperblockPipeline, the way `brisk pgo` does,
//      with the verifier after every pass (PassScope validation) and the
//      speculation-effects check (E1) and the type checker on the result;
//   3. run the optimized program on every input and compare with the
//      original (compareRuns): standard output, success, the kind of error
//      (the message up to the variable it names), and whether it ends.
//
// Endless loops: the original runs at most L = FuzzCase::maxDyn instructions
// (kDefaultOriginalLimit when 0). The criterion rests on two facts:
//   - generated programs end within GenStats::dynBound <= L instructions on
//     every input or never end (tools/gen/ProgramGenerator.h), so "the
//     original did not finish within L" means "the original never ends";
//   - for the passes here, an optimized program never runs more than
//     kOptimizedFactor * n + kOptimizedSlack instructions where the original
//     runs n (unrolled chunks redo at most one chunk per region entry, and
//     the overhead per entry is a few instructions).
// So when the original finishes after n, the optimized one gets
// kOptimizedFactor * n + kOptimizedSlack and must finish; when the original
// does not finish within L, the optimized one gets kOptimizedFactor * L +
// kOptimizedSlack and must not finish either (both endless is agreement; the
// outputs printed so far must then be prefixes of one another). Before an
// "original endless, optimized ends" finding is reported, the original runs
// again with kConfirmFactor * L: a hand-written or minimized program may be
// merely slow. A wall-clock limit (the child process's) remains only for
// the optimizer itself hanging.
//
// The first failure is the result; the dynamic instruction counts of both
// versions are summed for the campaign's statistics (a count is not a
// failure: superblocks may cost more on an input unlike the training one).
// A crash or an endless loop is not caught here: run the check in a child
// (ChildProcess.h) for that.
#pragma once

#include "ir/IR.h"
#include "transforms/Pipeline.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace brisk::fuzz {

using Args = std::vector<std::string>;

struct FuzzCase {
  Args train;
  std::vector<Args> tests;
  // L: instructions one run of the original may execute (0: the default).
  uint64_t maxDyn = 0;
};

constexpr uint64_t kDefaultOriginalLimit = 2'000'000;
constexpr uint64_t kOptimizedFactor = 16;
constexpr uint64_t kOptimizedSlack = 10'000;
constexpr uint64_t kConfirmFactor = 16;

// One run as the comparison sees it.
struct RunSummary {
  bool finished = true; // false: stopped at its instruction limit
  bool ok = false;      // finished without error
  std::string out;
  std::string error;    // the message, without "error: "
  uint64_t dyn = 0;
};

// The kind of a run-time error: the message without the variable it names
// (`undefined variable x` and `undefined variable y` are the same kind, since
// a folded copy may change which name the optimized program reports).
std::string errorKind(const std::string &message);

// Whether the optimized run shows what the original shows; nullopt when it
// does, else what differs. Both unfinished agree when the output of one is a
// prefix of the other's; exactly one unfinished is a difference.
std::optional<std::string> compareRuns(const RunSummary &original,
                                       const RunSummary &optimized);

// CheckResult::signature of a mismatch between these two runs.
std::string mismatchSignature(const RunSummary &original, const RunSummary &optimized);

// The optimizer's knobs a check runs with, and the same knobs as the
// command-line flags of `brisk opt`/`brisk pgo`, for the reproducer.
struct PipelineVariant {
  SuperblockPipelineOptions options;
  std::vector<std::string> flags;
};

// The defaults of `brisk pgo`.
PipelineVariant defaultVariant();
// A variant drawn from `bits`: speculation forced, avoided or judged,
// inlining and the scalar passes on or off, trace and unroll thresholds low
// enough that the small generated programs get superblocks. The same bits
// give the same variant.
PipelineVariant variantFromBits(uint64_t bits);

enum class FailureKind {
  None,
  Invalid,         // the original fails on every input, or does not load
  VerifierFailed,  // a pass left IR the verifier rejects
  EffectsUnsafe,   // E1: a side effect inside speculation before a later guard
  TypeError,       // the optimized program does not type-check
  Mismatch,        // different output or error on an input
  Crashed,         // (set by the caller that ran the check in a child)
  TimedOut,        // (likewise)
};
const char *failureKindName(FailureKind kind);
FailureKind failureKindFromName(const std::string &name);

struct CheckResult {
  FailureKind kind = FailureKind::None;
  std::string detail;        // what differed, or the verifier's report
  Args failingArgs;          // the input of a Mismatch
  Args trainedOn;            // the input the profile came from
  // For a Mismatch: how each side ended ("original: KIND; optimized: KIND",
  // KIND being ok, endless or the error kind without numbers), which the
  // minimizer keeps fixed so that a reproducer keeps its class.
  std::string signature;
  uint64_t originalDyn = 0;  // summed over the compared inputs on which both end
  uint64_t optimizedDyn = 0;

  // A line-based form that survives a pipe from a child process.
  std::string serialize() const;
  static CheckResult deserialize(const std::string &text);
};

CheckResult checkOptimizer(const Program &program, const FuzzCase &fuzzCase,
                           const PipelineVariant &variant);

// Joins args with single spaces (for reports and command lines).
std::string joinArgs(const Args &args);

} // namespace brisk::fuzz
