// Every shared benchmark, on its shipped arguments, under `brisk run -p`:
// the SSA form (set/get JSON from `brisk ssa --format=json`) and the round
// trip (`brisk ssa --round-trip`) print what the original prints, and the
// round trip executes no more instructions than the original. Skips when
// the shared data is absent.
#include "test/SharedData.h"
#include "test/transforms/RunHelper.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

namespace brisk {
namespace {

struct Bench {
  std::string category, name, args;
};

std::vector<Bench> benches() {
  std::vector<Bench> out;
  std::filesystem::path dir = test::sharedDir();
  if (dir.empty())
    return out;
  std::istringstream in(test::readFile(dir / "bench" / "manifest.tsv"));
  std::string line;
  std::getline(in, line); // header
  while (std::getline(in, line)) {
    std::istringstream row(line);
    Bench b;
    std::getline(row, b.category, '\t');
    std::getline(row, b.name, '\t');
    std::getline(row, b.args, '\t');
    if (!b.name.empty())
      out.push_back(b);
  }
  return out;
}

TEST(BenchRoundTripTest, EveryBenchmarkKeepsItsOutputAndCost) {
  std::vector<Bench> all = benches();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  double worst = 0;
  std::string worstName;
  for (const Bench &b : all) {
    SCOPED_TRACE(b.category + "/" + b.name);
    std::string src = (test::sharedDir() / "bench" / b.category / (b.name + ".json")).string();
    auto convert = [&](const std::string &flags) {
      std::string out, err = test::tempPath("err"), file = test::tempPath("conv") + ".json";
      int st = test::shell(std::string("'")
                               .append(test::briskPath())
                               .append("' ssa --verify --format=json ")
                               .append(flags)
                               .append(" -o '")
                               .append(file)
                               .append("'"),
                           src, out, err);
      EXPECT_EQ(st, 0) << test::slurp(err);
      std::filesystem::remove(err);
      return file;
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
      worstName = b.category + "/" + b.name;
    }
  }
  std::printf("worst round-trip dynamic instruction ratio: %.4f (%s)\n", worst, worstName.c_str());
  RecordProperty("worst_ratio", std::to_string(worst));
}

} // namespace
} // namespace brisk
