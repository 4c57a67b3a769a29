// Interpreter: runs a Bril program the way the reference interpreter brili
// does (same output, same dynamic instruction count, same errors), fast.
//
// The program is lowered once (Lower.h) and executed by one dispatch loop
// over the lowered code with an explicit frame stack: recursion depth is
// bounded by memory, not by the C++ stack, and running out of the frame
// budget is a clean error. Output is buffered and flushed at exit, also when
// the program fails.
//
// With `profile` set, the run also records a Profile (Profile.h): block and
// edge counts, call-site counts and Ball-Larus loop paths. The counts of a
// run that ends in an error are still returned.
#pragma once

#include "interp/Profile.h"
#include "ir/IR.h"

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
};

struct RunResult {
  bool ok = false;
  std::string error;             // brili's message, without "error: "
  uint64_t dynamicInstructions = 0;
  std::optional<Profile> profile;
};

RunResult runProgram(const Program &program, const RunOptions &options);

// Profiles `program` on each argument vector in turn, its output discarded,
// and returns the merged profile (`inputs` records them in order); nullopt
// for no argument vectors. With `failure`, a run that fails ends the series:
// its message goes to *failure and nullopt is returned (also when /dev/null
// cannot be opened). Without, every run is made and every profile merged.
std::optional<Profile> profileRuns(const Program &program,
                                   const std::vector<std::vector<std::string>> &inputs,
                                   std::string *failure = nullptr);

} // namespace brisk::interp
