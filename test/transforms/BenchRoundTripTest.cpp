// Every shared benchmark, on its shipped arguments, under `brisk run -p`:
// the SSA form (set/get JSON from `brisk ssa --format=json`) and the round
// trip (`brisk ssa --round-trip`) print what the original prints, and the
// round trip executes no more instructions than the original. Skips when
// the shared data is absent.
#include "test/SharedData.h"
#include "test/transforms/RunHelper.h"
#include "test/transforms/TestSupport.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

namespace brisk {
namespace {

TEST(BenchRoundTripTest, EveryBenchmarkKeepsItsOutputAndCost) {
  std::vector<test::Bench> all = test::manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  double worst = 0;
  std::string worstName;
  for (const test::Bench &b : all) {
    SCOPED_TRACE(b.id());
    std::string src = b.file().string();
    auto convert = [&](const std::string &flags) {
      test::SsaJson c = test::ssaJsonOf(src, flags);
      EXPECT_EQ(c.status, 0) << c.errors;
      return c.file;
    };
    std::string ssaFile = convert(""), rtFile = convert("--round-trip");
    test::RunResult orig = test::runFile(src, b.args), ssa = test::runFile(ssaFile, b.args),
                    rt = test::runFile(rtFile, b.args);
    std::filesystem::remove(ssaFile);
    std::filesystem::remove(rtFile);
    ASSERT_EQ(orig.status, 0);
    EXPECT_EQ(ssa.status, 0);
    EXPECT_EQ(rt.status, 0);
    EXPECT_EQ(ssa.out, orig.out);
    EXPECT_EQ(rt.out, orig.out);
    EXPECT_LE(rt.dyn, orig.dyn);
    double ratio = orig.dyn > 0 ? double(rt.dyn) / double(orig.dyn) : 1.0;
    if (ratio > worst) {
      worst = ratio;
      worstName = b.id();
    }
  }
  std::printf("worst round-trip dynamic instruction ratio: %.4f (%s)\n", worst, worstName.c_str());
  RecordProperty("worst_ratio", std::to_string(worst));
}

} // namespace
} // namespace brisk
