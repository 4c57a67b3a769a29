// Interpreter: runs a Bril program the way the reference interpreter brili
// does (same output, same dynamic instruction count, same errors), fast.
//
// The program is lowered once (Lower.h) and executed by one dispatch loop
// over the lowered code with an explicit frame stack: recursion depth is
// bounded by memory, not by the C++ stack, and running out of the frame
// budget is a clean error. Output is buffered and flushed at exit, also when
// the program fails.
//
// Every run also counts how much of it ran under speculation
// (SpeculationStats), for `brisk run --stats`; the counters cost nothing on
// the non-speculative path.
//
// With `profile` set, the run also records a Profile (Profile.h): block and
// edge counts, call-site counts and Ball-Larus loop paths. The counts of a
// run that ends in an error are still returned.
#pragma once

#include "interp/Profile.h"
#include "ir/IR.h"

#include <llvm/ADT/StringSet.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace brisk::interp {

struct RunOptions {
  std::vector<std::string> args; // main's arguments, as on brili's command line
  bool profile = false;
  std::FILE *out = stdout;       // the program's output
  // Stop after this many dynamic instructions (0: no limit). Checked where
  // control can go backwards (jumps, branches, failed guards, calls), so a
  // run may overshoot by one straight-line stretch; a stopped run is not ok
  // and sets RunResult::limitReached. Differential checks use it to tell a
  // program that never ends from one that is merely slow.
  uint64_t maxDynamicInstructions = 0;
  // Lower with the TypeFacts analyses (lowerProgram, Lower.h): off, every
  // operand is checked at run time, which behaves the same.
  bool typeFacts = true;
  // With `profile`: whether the profile carries what only a profile file
  // needs, the program's hash and the block labels (else programHash is 0
  // and blockLabels empty: for profiles never written nor matched against a
  // program, such as the optimizer's own training runs).
  bool profileForFile = true;
  // With `profile`: when set, only the functions named here are profiled,
  // and the profile holds only them (the others run without probes).
  const llvm::StringSet<> *profileOnly = nullptr;
};

// What a run did under the speculation extension. A speculative region runs
// from the `speculate` that opens the outermost level to the `commit` or the
// failing `guard` that closes it; `speculativeInstructions` counts every
// instruction of it, both ends included, so speculate, guard and commit are
// themselves speculative (they are the price of the region). A run that
// fails while speculating counts up to the failing instruction.
struct SpeculationStats {
  uint64_t speculativeInstructions = 0;
  uint64_t speculations = 0;   // executed `speculate`s (nested ones included)
  uint64_t commits = 0;        // executed `commit`s
  uint64_t guards = 0;         // executed `guard`s
  uint64_t guardFailures = 0;  // guards whose condition was false
};

struct RunResult {
  bool ok = false;
  std::string error;             // brili's message, without "error: "
  uint64_t dynamicInstructions = 0;
  SpeculationStats speculation;
  bool limitReached = false;     // stopped at RunOptions::maxDynamicInstructions
  std::optional<Profile> profile;
};

RunResult runProgram(const Program &program, const RunOptions &options);

// Profiles `program` on each argument vector in turn, its output discarded,
// and returns the merged profile (`inputs` records them in order); nullopt
// for no argument vectors. With `failure`, a run that fails ends the series:
// its message goes to *failure and nullopt is returned (also when /dev/null
// cannot be opened). Without, every run is made and every profile merged.
// `like` gives typeFacts, profileForFile and profileOnly for every run.
std::optional<Profile> profileRuns(const Program &program,
                                   const std::vector<std::vector<std::string>> &inputs,
                                   std::string *failure = nullptr,
                                   const RunOptions &like = RunOptions());

} // namespace brisk::interp
