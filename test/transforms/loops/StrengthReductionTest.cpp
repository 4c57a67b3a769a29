// StrengthReduction (transforms/loops/StrengthReduction.h): which chains
// become induction variables, which loops are left alone (undefined entry
// values, nothing to save), and that programs keep their output and errors,
// the shared benchmarks included. SSA invariants are verified after the pass.
#include "analysis/DefiniteAssignment.h"
#include "frontend/Loader.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/BenchPassCheck.h"
#include "test/transforms/RunHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/PassRegistry.h"
#include "transforms/loops/StrengthReduction.h"
#include "transforms/scalar/AggressiveDCE.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;

test::PassResult reduce(const std::string &text) {
  return test::inSSAWith(text, [](Function &f) {
    bool changed = reduceInductionVariables(f);
    eliminateDeadCodeAggressively(f);
    return changed;
  });
}

void expectSameBehaviour(const std::string &text, std::initializer_list<const char *> inputs) {
  Program orig = parseOrDie(text);
  Program opt = reduce(text).program;
  for (Function &f : opt.functions)
    fromSSA(f);
  for (const char *args : inputs) {
    test::RunResult a = test::runProgram(orig, args), b = test::runProgram(opt, args);
    EXPECT_EQ(b.out, a.out) << args;
    EXPECT_EQ(b.status, a.status) << args;
  }
}

// Counting down by 2 with a factor only known at run time (k).
const char *kDownByTwo = R"(
@main(n: int, k: int) {
  cells: int = const 64;
  base: ptr<int> = alloc cells;
  two: int = const 2;
  off: int = const 5;
  i: int = id n;
  zero: int = const 0;
  sum: int = const 0;
.loop:
  a: int = mul k i;
  b: int = sub a off;
  c: int = mul b two;
  d: int = sub c i;
  sum: int = add sum d;
  i: int = sub i two;
  more: bool = gt i zero;
  br more .loop .done;
.done:
  print sum;
  free base;
}
)";

TEST(StrengthReductionTest, AChainOfAnyFactorBecomesOneAddPerIteration) {
  test::PassResult r = reduce(kDownByTwo);
  EXPECT_TRUE(r.changed);
  const Function &f = r.program.functions[0];
  // In the loop: the counter's sub, the sum's add, the new variable's add.
  EXPECT_EQ(countOp(f, Opcode::Mul), 3u); // two before the loop, k x step
  expectSameBehaviour(kDownByTwo, {"10 3", "9 -7", "1 0", "0 5", "-4 2",
                                   "21 4611686018427387904"}); // k * i wraps
}

TEST(StrengthReductionTest, PointerChainsKeepTheirOutOfBoundsError) {
  const char *text = R"(
@main(n: int) {
  w: int = const 3;
  cells: int = const 9;
  p: ptr<int> = alloc cells;
  i: int = const 0;
  one: int = const 1;
.loop:
  t: int = mul i w;
  u: int = add t one;
  q: ptr<int> = ptradd p u;
  store q i;
  i: int = add i one;
  more: bool = lt i n;
  br more .loop .done;
.done:
  free p;
}
)";
  EXPECT_TRUE(reduce(text).changed);
  expectSameBehaviour(text, {"1", "3", "4", "10"});
}

TEST(StrengthReductionTest, AnUndefinedEntryValueIsNeverReadBeforeTheLoop) {
  // j is undefined when the loop is entered and read in the first iteration
  // (an error there); the pass must not read it any earlier. Such a function
  // never reaches the pass: SSA construction leaves it in plain form
  // (analysis/DefiniteAssignment.h), and its behaviour is kept.
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  three: int = const 3;
.loop:
  first: bool = eq i one;
  br first .set .use;
.set:
  j: int = const 7;
.use:
  j: int = add j one;
  t: int = mul i three;
  u: int = add t three;
  v: int = add u three;
  print v j;
  i: int = add i one;
  more: bool = lt i n;
  br more .loop .done;
.done:
  print i;
}
)";
  Program p = parseOrDie(text);
  Function &f = p.functions[0];
  EXPECT_TRUE(hasPossiblyUndefinedRead(f));
  EXPECT_FALSE(canConvertToSSA(f));
  std::string before = test::textOf(f);
  EXPECT_FALSE(toSSA(f));
  EXPECT_FALSE(reduceInductionVariables(f));
  EXPECT_EQ(test::textOf(f), before);
}

TEST(StrengthReductionTest, NothingToSaveLeavesTheLoopAlone) {
  // One instruction per root: an add for a mul saves nothing.
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  three: int = const 3;
.loop:
  t: int = mul i three;
  print t;
  i: int = add i one;
  more: bool = lt i n;
  br more .loop .done;
.done:
  print i;
}
)";
  EXPECT_FALSE(reduce(text).changed);
}

// Every shared benchmark through the loop passes and strength-reduce: same
// output and exit status on its shipped arguments.
TEST(StrengthReductionBenchTest, EveryBenchmarkKeepsItsOutput) {
  test::expectBenchmarksKeepOutput({"to-ssa,sccp,copy-prop,adce,simplify-cfg,loop-rotate,licm,gvn,"
                                   "strength-reduce,adce,from-ssa"});
}

} // namespace
} // namespace brisk
