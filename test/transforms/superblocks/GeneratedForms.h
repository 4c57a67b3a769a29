// Test helper for the superblock room's tests on generated programs: the
// program the generator makes for `options` and, when it runs cleanly on its
// seed's training arguments, the same program after the whole superblock
// pipeline with forced speculation on that run's profile. The optimized form
// is as the pipeline leaves it (no verifier, no trip through JSON): the
// tests compare a data structure or an analysis on both forms.
#pragma once

#include "test/transforms/TestSupport.h"
#include "tools/gen/ProgramGenerator.h"
#include "transforms/Pipeline.h"

#include <string>
#include <utility>
#include <vector>

namespace brisk::test {

inline std::vector<Program> generatedForms(const GenOptions &options) {
  Program p = generateProgram(options);
  std::vector<Program> forms{p};
  std::vector<std::string> args;
  for (int64_t a : generateArguments(options.seed, 0))
    args.push_back(std::to_string(a));
  Outcome train = run(p, args, /*profile=*/true);
  if (train.ok && train.profile) {
    Program opt = p;
    SuperblockPipelineOptions so;
    so.superblocks.forceSpeculation = true;
    PassContext ctx;
    runSuperblockPipeline(opt, *train.profile, ctx, so, nullptr);
    forms.push_back(std::move(opt));
  }
  return forms;
}

} // namespace brisk::test
