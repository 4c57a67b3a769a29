// DifferentialCheck: the oracle of `brisk fuzz` and of the optimizer fuzz
// target. One check takes a program, a training input and some test inputs:
//
//   1. run the program on the training input with profiling (the program
//      must run without error there and on every test input, or the case is
//      Invalid: the optimizer owes nothing to a program that fails);
//   2. optimize a copy with runSuperblockPipeline, the way `brisk pgo` does,
//      with the verifier after every pass (PassScope validation) and the
//      speculation-effects check (E1) and the type checker on the result;
//   3. run original and optimized on the training input and every test
//      input and compare standard output, success and the error message.
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
#include <string>
#include <vector>

namespace brisk::fuzz {

using Args = std::vector<std::string>;

struct FuzzCase {
  Args train;
  std::vector<Args> tests;
};

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
  Invalid,         // the original fails on an input (not the optimizer's fault)
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
  uint64_t originalDyn = 0;  // summed over the compared inputs
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
