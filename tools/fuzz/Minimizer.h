// Minimizer: shrinks a failing program to a small reproducer by delta
// debugging over its Bril text (Zeller's ddmin, on lines).
//
// The text is the one the backend prints: a function is a header line
// (`@f(...) {`), its body and a closing `}`. Steps, repeated until none of
// them makes progress or the check budget is spent:
//   1. drop whole functions other than @main;
//   2. ddmin over the body lines (instructions and labels): drop chunks of
//      half, a quarter, ... down to single lines;
//   3. simplify single lines: an int/bool/float computation becomes a
//      constant, a `br` becomes a `jmp` to either target.
// A candidate is kept only when `stillFails` says so. The predicate is the
// one that guards well-typedness and termination: it parses and type-checks
// the candidate, requires the original to run cleanly within a time limit
// (a removed loop increment makes an endless loop; a removed `free` a
// leak), and only then looks for the same failure (FailurePredicate below).
#pragma once

#include "tools/fuzz/DifferentialCheck.h"

#include <functional>
#include <string>

namespace brisk::fuzz {

struct MinimizeStats {
  size_t checks = 0;
  size_t linesBefore = 0, linesAfter = 0;
};

std::string minimizeProgramText(const std::string &text,
                                const std::function<bool(const std::string &)> &stillFails,
                                size_t maxChecks, MinimizeStats *stats = nullptr);

// The predicate for a failure found by the differential check: the
// candidate, optimized with `variant` after profiling on `fuzzCase.train`,
// fails with the same kind (a crash: the same signal; a mismatch: the same
// signature, so that a lost `undefined variable` does not turn into a
// deleted endless loop while shrinking) on the same inputs.
// Each evaluation runs in a child process limited to `timeoutMs`.
std::function<bool(const std::string &)> failurePredicate(const FuzzCase &fuzzCase,
                                                          const PipelineVariant &variant,
                                                          FailureKind kind, int signal,
                                                          unsigned timeoutMs,
                                                          const std::string &signature = "");

// Runs the check of `text` in a child; the caller's view of one evaluation
// (Crashed/TimedOut set from the child's fate, with its stderr as detail).
CheckResult checkTextInChild(const std::string &text, const FuzzCase &fuzzCase,
                             const PipelineVariant &variant, unsigned timeoutMs,
                             int *signal = nullptr);

} // namespace brisk::fuzz
