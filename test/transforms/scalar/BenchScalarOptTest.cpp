// Every shared benchmark, on its shipped arguments: the scalar SSA passes
// (to-ssa, sccp, copy-prop, adce, sink, simplify-cfg, from-ssa) and the
// whole optimization pipeline (runOptimizationPipeline, level 1) keep the
// program's output and never execute more instructions than the original.
// Validation is on, so the verifier runs after every pass. Prints the
// per-benchmark and geometric-mean dynamic instruction ratios. Skips when the
// shared data is absent.
#include "frontend/Loader.h"
#include "test/SharedData.h"
#include "test/transforms/RunHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/PassRegistry.h"
#include "transforms/Pipeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

namespace brisk {
namespace {

void checkEveryBenchmark(const std::function<void(Program &, PassContext &)> &optimize,
                         const char *what) {
  std::vector<test::Bench> all = test::manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  double logSum = 0, worst = 0;
  for (const test::Bench &b : all) {
    SCOPED_TRACE(b.id());
    std::optional<Program> prog = test::loadBenchmark(b);
    ASSERT_TRUE(prog);
    std::ostringstream errors;
    PassOptions options;
    options.validate = true;
    options.errorStream = &errors;
    PassContext ctx(options);
    optimize(*prog, ctx);
    EXPECT_FALSE(ctx.failed()) << errors.str();
    test::RunResult orig = test::runFile(b.file().string(), b.args),
                    opt = test::runProgram(*prog, b.args);
    ASSERT_EQ(orig.status, 0);
    EXPECT_EQ(opt.status, 0);
    EXPECT_EQ(opt.out, orig.out);
    EXPECT_LE(opt.dyn, orig.dyn);
    double ratio = orig.dyn > 0 && opt.dyn > 0 ? double(opt.dyn) / double(orig.dyn) : 1.0;
    std::printf("%s %-28s %.4f\n", what, b.name.c_str(), ratio);
    logSum += std::log(ratio);
    worst = std::max(worst, ratio);
  }
  double geo = std::exp(logSum / double(all.size()));
  std::printf("%s geometric mean %.4f, worst %.4f over %zu benchmarks\n", what, geo, worst,
              all.size());
  ::testing::Test::RecordProperty("geomean", std::to_string(geo));
}

TEST(BenchScalarOptTest, ScalarPassesKeepOutputAndNeverCostMore) {
  checkEveryBenchmark(
      [](Program &p, PassContext &ctx) {
        std::string error;
        EXPECT_TRUE(runPassList(p, ctx,
                                "to-ssa,sccp,copy-prop,adce,sink,simplify-cfg,from-ssa,simplify-cfg",
                                error))
            << error;
      },
      "scalar");
}

TEST(BenchScalarOptTest, OptimizationPipelineKeepsOutputAndNeverCostsMore) {
  checkEveryBenchmark(
      [](Program &p, PassContext &ctx) { runOptimizationPipeline(p, ctx, 1); }, "pipeline");
}

// The held-out inputs (bench/inputs.tsv, two per benchmark that takes
// arguments): the pipeline was tuned on the shipped arguments only. Copy
// propagation into phis once made ray-bbox-intersection run 1.2x here.
TEST(BenchScalarOptTest, PipelineNeverCostsMoreOnHeldOutInputs) {
  if (test::sharedDir().empty())
    GTEST_SKIP() << "shared benchmarks not available";
  std::istringstream in(test::readFile(test::sourceDir() / "bench" / "inputs.tsv"));
  std::string line;
  std::getline(in, line); // header
  unsigned checked = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string category, name, args1, args2;
    std::getline(row, category, '\t');
    std::getline(row, name, '\t');
    std::getline(row, args1, '\t');
    std::getline(row, args2, '\t');
    SCOPED_TRACE(category + "/" + name);
    std::filesystem::path src = test::sharedDir() / "bench" / category / (name + ".json");
    Diagnostics diags(src.string());
    std::optional<Program> prog = loadProgram(test::readFile(src), diags);
    ASSERT_TRUE(prog.has_value());
    PassContext ctx;
    runOptimizationPipeline(*prog, ctx, 1);
    for (const std::string &args : {args1, args2}) {
      SCOPED_TRACE(args);
      test::RunResult orig = test::runFile(src.string(), args), opt = test::runProgram(*prog, args);
      EXPECT_EQ(opt.status, orig.status);
      EXPECT_EQ(opt.out, orig.out);
      EXPECT_LE(opt.dyn, orig.dyn);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

} // namespace
} // namespace brisk
