// Counted-loop unrolling (transforms/LoopUnroll.h): the loops it matches and
// the ones it must leave alone, the chunk shape (K body copies, one test per
// chunk, one stride add when the counter is read by nothing else), exact
// behaviour on every trip count around the chunk size and at the wrap-around
// edge of int, the profile threshold, and every shared benchmark through the
// whole `brisk opt` pipeline (which unrolls) on its shipped and held-out
// inputs: same output, never more instructions where profiled, at most 1.05x
// on held-out inputs, and no function above 2.0x its original size.
// Programs run in-process.
#include "frontend/Loader.h"
#include "backend/JsonWriter.h"
#include "interp/Interpreter.h"
#include "test/SharedData.h"
#include "test/analysis/ParseHelper.h"
#include "transforms/LoopUnroll.h"
#include "transforms/Pipeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace brisk {
namespace {

using test::blockNamed;
using test::parseOrDie;

struct Outcome {
  bool ok = false;
  std::string out;
  uint64_t dyn = 0;
  std::optional<Profile> profile;
};

Outcome run(const Program &p, const std::vector<std::string> &args, bool profile = false) {
  Outcome o;
  std::FILE *tmp = std::tmpfile();
  interp::RunOptions options;
  options.args = args;
  options.profile = profile;
  options.out = tmp;
  interp::RunResult r = interp::runProgram(p, options);
  std::fflush(tmp);
  std::rewind(tmp);
  char buf[4096];
  for (size_t k; (k = std::fread(buf, 1, sizeof buf, tmp)) > 0;)
    o.out.append(buf, k);
  std::fclose(tmp);
  o.ok = r.ok;
  o.dyn = r.dynamicInstructions;
  o.profile = std::move(r.profile);
  return o;
}

size_t countOps(const Function &f, Opcode op, std::optional<VarId> dest = std::nullopt) {
  size_t n = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      n += in.op == op && (!dest || in.dest == *dest);
  return n;
}

// Sums 0..n-1 in a do-while loop; prints the sum and the final counter.
const char *kSum = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
.loop:
  s: int = add s i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s i;
}
)";

TEST(LoopUnrollTest, SumLoopGetsFourCopiesAndOneTestPerChunk) {
  Program p = parseOrDie(kSum);
  Function &f = p.functions[0];
  ASSERT_TRUE(unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4}));
  VarId s = *f.lookupVar("s");
  // Four copies in the chunk plus the original (the remainder loop).
  EXPECT_EQ(countOps(f, Opcode::Add, s), 5u);
  // The copies' comparisons are gone: left are the entry test's two (no
  // wrap-around, enough trips), the chunk test, the exit's copy of the
  // original comparison and the original's.
  EXPECT_EQ(countOps(f, Opcode::Lt), 5u);
  Program orig = parseOrDie(kSum);
  for (const char *n : {"-9223372036854775807", "-9223372036854775808", "-5", "0", "1", "2",
                        "3", "4", "5", "7", "8", "9", "100"}) {
    SCOPED_TRACE(n);
    Outcome a = run(orig, {n}), b = run(p, {n});
    EXPECT_TRUE(b.ok);
    EXPECT_EQ(a.out, b.out);
  }
  EXPECT_LT(run(p, {"100"}).dyn, run(orig, {"100"}).dyn * 3 / 4);
}

// The counter is read only by its update and the test: one stride add per
// chunk. The bound is a known constant: no wrap-around test at run time.
TEST(LoopUnrollTest, CounterOnlyCountingBecomesOneStrideAdd) {
  const char *text = R"(
@main(x: int) {
  i: int = const 3;
  two: int = const 2;
  n: int = const 50;
  s: int = const 0;
.loop:
  s: int = add s x;
  i: int = add two i;
  c: bool = ge i n;
  br c .done .loop;
.done:
  print s i;
}
)";
  Program p = parseOrDie(text);
  Function &f = p.functions[0];
  ASSERT_TRUE(unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 8}));
  VarId i = *f.lookupVar("i");
  EXPECT_EQ(countOps(f, Opcode::Add, i), 2u); // the original's and the chunk's stride
  EXPECT_EQ(countOps(f, Opcode::And), 0u);    // no run-time wrap-around test
  Program orig = parseOrDie(text);
  Outcome a = run(orig, {"7"}), b = run(p, {"7"});
  EXPECT_EQ(a.out, b.out);
  EXPECT_LT(b.dyn, a.dyn);
}

TEST(LoopUnrollTest, LeavesLoopsItCannotProveAlone) {
  const char *variableStep = R"(
@main(n: int, step: int) {
  i: int = const 0;
.loop:
  i: int = add i step;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *boundWritten = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  i: int = add i one;
  n: int = sub n one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *conditionReadInBody = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  c: bool = const true;
.loop:
  print c;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *decreasing = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const -1;
.loop:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  for (const char *text : {variableStep, boundWritten, conditionReadInBody, decreasing}) {
    Program p = parseOrDie(text);
    EXPECT_FALSE(unrollCountedLoops(p.functions[0], nullptr)) << text;
  }
}

// With a profile, a loop that runs few times per entry is left alone.
TEST(LoopUnrollTest, ProfileDecidesTheFactor) {
  Program p = parseOrDie(kSum);
  Function &f = p.functions[0];
  BlockId loop = blockNamed(f, "loop");
  FunctionWeights w;
  w.entryCount = 10;
  w.setBlock(f.entry(), 10);
  w.setBlock(loop, 20); // two trips per entry
  w.setEdge(loop, loop, 10);
  EXPECT_FALSE(unrollCountedLoops(f, &w));
  w.setBlock(loop, 100); // ten trips per entry: K = 2 (3 x K <= 10)
  w.setEdge(loop, loop, 90);
  ASSERT_TRUE(unrollCountedLoops(f, &w));
  EXPECT_EQ(countOps(f, Opcode::Add, *f.lookupVar("s")), 3u);
}

struct Bench {
  std::string category, name, args;
  std::vector<std::string> extra;
};

std::vector<Bench> benches() {
  std::vector<Bench> out;
  std::filesystem::path dir = test::sharedDir();
  if (dir.empty())
    return out;
  std::map<std::string, std::vector<std::string>> extra;
  std::ifstream inputs(test::sourceDir() / "bench" / "inputs.tsv");
  std::string line;
  std::getline(inputs, line);
  while (std::getline(inputs, line)) {
    std::vector<std::string> cols;
    std::istringstream row(line);
    for (std::string c; std::getline(row, c, '\t');)
      cols.push_back(c);
    if (cols.size() >= 4)
      extra[cols[0] + "/" + cols[1]] = {cols[2], cols[3]};
  }
  std::istringstream in(test::readFile(dir / "bench" / "manifest.tsv"));
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream row(line);
    Bench b;
    std::getline(row, b.category, '\t');
    std::getline(row, b.name, '\t');
    std::getline(row, b.args, '\t');
    b.extra = extra[b.category + "/" + b.name];
    if (!b.name.empty())
      out.push_back(b);
  }
  return out;
}

std::vector<std::string> splitArgs(const std::string &s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

Program optimize(const Program &p, const Profile &profile, bool unrolling) {
  Program copy = p;
  PassOptions po;
  po.validate = true;
  std::ostringstream errors;
  po.errorStream = &errors;
  PassContext ctx(po);
  SuperblockPipelineOptions options;
  options.unrolling = unrolling;
  runSuperblockPipeline(copy, profile, ctx, options, nullptr);
  EXPECT_FALSE(ctx.failed()) << errors.str();
  Diagnostics diags("json");
  std::optional<Program> back = loadProgram(toJsonString(copy), diags);
  EXPECT_TRUE(back.has_value());
  return back ? std::move(*back) : Program{};
}

// Also the profile-free form (`--passes=unroll`, every match by 4) keeps the
// output of every benchmark.
TEST(LoopUnrollBenchTest, EveryBenchmarkKeepsItsOutputAndUnrollingPays) {
  std::vector<Bench> all = benches();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  double logWith = 0, logWithout = 0;
  size_t unrolled = 0;
  for (const Bench &b : all) {
    SCOPED_TRACE(b.category + "/" + b.name);
    Diagnostics diags(b.name);
    std::optional<Program> p = loadProgram(
        test::readFile(test::sharedDir() / "bench" / b.category / (b.name + ".json")), diags);
    ASSERT_TRUE(p.has_value());
    Outcome train = run(*p, splitArgs(b.args), true);
    ASSERT_TRUE(train.ok);
    Program with = optimize(*p, *train.profile, true);
    Program without = optimize(*p, *train.profile, false);
    // The growth limit (2.0x per function, inlining included) holds.
    for (const Function &f : with.functions)
      if (const Function *o = p->findFunction(f.name))
        EXPECT_LE(double(f.instrCount()), 2.0 * double(std::max<size_t>(o->instrCount(), 1)))
            << f.name;
    Program everywhere = *p;
    for (Function &f : everywhere.functions)
      unrolled += unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4});
    std::vector<std::string> inputs = {b.args};
    inputs.insert(inputs.end(), b.extra.begin(), b.extra.end());
    for (size_t k = 0; k < inputs.size(); ++k) {
      const std::string &args = inputs[k];
      SCOPED_TRACE("args: " + args);
      Outcome a = run(*p, splitArgs(args));
      Outcome c = run(with, splitArgs(args));
      Outcome e = run(everywhere, splitArgs(args));
      EXPECT_EQ(a.ok, c.ok);
      EXPECT_EQ(a.out, c.out);
      EXPECT_EQ(a.ok, e.ok);
      EXPECT_EQ(a.out, e.out);
      if (k == 0) { // the profiled input
        EXPECT_LE(c.dyn, a.dyn);
        Outcome n = run(without, splitArgs(args));
        logWith += std::log(double(c.dyn) / double(a.dyn));
        logWithout += std::log(double(n.dyn) / double(a.dyn));
        std::printf("unroll %-28s %.4f (without unrolling %.4f)\n", b.name.c_str(),
                    double(c.dyn) / double(a.dyn), double(n.dyn) / double(a.dyn));
      } else {
        EXPECT_LE(double(c.dyn), 1.05 * double(a.dyn));
      }
    }
  }
  double n = double(all.size());
  std::printf("pipeline geometric mean %.4f with unrolling, %.4f without; %zu functions "
              "unrolled profile-free\n",
              std::exp(logWith / n), std::exp(logWithout / n), unrolled);
  EXPECT_LT(logWith, logWithout);
}

} // namespace
} // namespace brisk
