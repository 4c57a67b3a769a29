// ChildProcess: runs a piece of work in a forked child with a time limit, so
// that whatever the work does to itself (a crash, an assertion, an endless
// loop in a program the minimizer just broke, memory without end) ends the
// child and not the fuzzing campaign.
//
// The child returns its result as a string (written to a pipe), and its
// standard error is captured as well, so an assertion message or a sanitizer
// report reaches the report. The parent never runs the work itself.
#pragma once

#include <functional>
#include <string>

namespace brisk::fuzz {

struct ChildResult {
  enum class Status {
    Finished, // the work returned; `payload` is its string
    Crashed,  // killed by a signal (`signal`) or exited without returning
    TimedOut, // still running after the time limit, then killed
  };
  Status status = Status::Crashed;
  int signal = 0;
  std::string payload;
  std::string stderrText; // the child's standard error (the first 64 KiB)
};

// Forks, runs `work` in the child, waits at most `timeoutMs` milliseconds.
// The child's address space is limited to `memoryLimitBytes` (0: no limit).
ChildResult runInChild(const std::function<std::string()> &work, unsigned timeoutMs,
                       size_t memoryLimitBytes = size_t(4) << 30);

} // namespace brisk::fuzz
