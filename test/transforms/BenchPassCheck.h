// Test helper: every shared benchmark through named pass lists (each a
// `brisk ssa --passes` list, run in order with the verifier on) keeps its
// output and exit status on its shipped arguments. Skips when the shared
// benchmarks are absent.
#pragma once

#include "frontend/Loader.h"
#include "test/transforms/RunHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/PassRegistry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace brisk::test {

inline void expectBenchmarksKeepOutput(std::initializer_list<const char *> passLists) {
  std::vector<Bench> all = manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  for (const Bench &b : all) {
    SCOPED_TRACE(b.id());
    std::optional<Program> prog = loadBenchmark(b);
    ASSERT_TRUE(prog);
    PassOptions po;
    po.validate = true;
    PassContext ctx(po);
    std::string error;
    for (const char *list : passLists)
      ASSERT_TRUE(runPassList(*prog, ctx, list, error)) << list << ": " << error;
    EXPECT_FALSE(ctx.failed());
    RunResult orig = runFile(b.file().string(), b.args), opt = runProgram(*prog, b.args);
    EXPECT_EQ(opt.status, orig.status);
    EXPECT_EQ(opt.out, orig.out);
  }
}

} // namespace brisk::test
