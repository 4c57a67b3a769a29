// LoopCarriedGVN (transforms/scalar/LoopCarriedGVN.h): which recomputations
// become header phis, which stay (traps, undefined operands, copies on the
// back edge, several latches), and that programs keep their behaviour. The
// SSA invariants are verified after the pass.
#include "test/analysis/ParseHelper.h"
#include "test/transforms/RunHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/scalar/GVN.h"
#include "transforms/scalar/LoopCarriedGVN.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;

test::PassResult reuse(const std::string &text) {
  return test::inSSAWith(text, [](Function &f) {
    numberValues(f);
    return reuseValuesAcrossIterations(f);
  });
}

// Same output and status before and after (out of SSA); returns the counts.
std::pair<long long, long long> compare(const std::string &text, const std::string &args) {
  Program orig = parseOrDie(text);
  Program opt = reuse(text).program;
  for (Function &f : opt.functions)
    fromSSA(f);
  test::RunResult a = test::runProgram(orig, args), b = test::runProgram(opt, args);
  EXPECT_EQ(b.out, a.out) << args;
  EXPECT_EQ(b.status, a.status) << args;
  return {a.dyn, b.dyn};
}

// mandelbrot's shape: x*x and y*y at the top, the next x and y's squares at
// the bottom.
const char *kSquares = R"(
@main(n: int) {
  x: float = const 0.5;
  y: float = const 0.25;
  c: float = const 0.125;
  i: int = const 0;
  one: int = const 1;
.loop:
  xx: float = fmul x x;
  yy: float = fmul y y;
  d: float = fsub xx yy;
  xy: float = fmul x y;
  x: float = fadd d c;
  y: float = fadd xy c;
  x2: float = fmul x x;
  y2: float = fmul y y;
  m: float = fadd x2 y2;
  i: int = add i one;
  more: bool = lt i n;
  br more .loop .done;
.done:
  print m;
}
)";

TEST(LoopCarriedGVNTest, SquaresAtTheTopComeFromTheBottomOfTheLastIteration) {
  test::PassResult r = reuse(kSquares);
  EXPECT_TRUE(r.changed);
  const Function &f = r.program.functions[0];
  // Four squares and x*y before; two squares left in the loop, two before
  // it; two phis more than x, y and i.
  EXPECT_EQ(countOp(f, Opcode::FMul), 5u);
  EXPECT_EQ(countOp(f, Opcode::Phi), 5u);
  for (const char *n : {"1", "2", "10"}) {
    auto [before, after] = compare(kSquares, n);
    if (std::string(n) == "10") {
      EXPECT_EQ(after, before - 2 * 10 + 2);
    }
  }
}

TEST(LoopCarriedGVNTest, AnUndefinedOperandIsNeverReadBeforeTheLoop) {
  // t is undefined on entry: `mul t t` before the loop would read it, which
  // the original never does (its first iteration defines t before reading).
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  p: bool = lt i one;
  br p .first .later;
.first:
  t: int = const 3;
  jmp .use;
.later:
  sq: int = mul t t;
  print sq;
.use:
  t: int = add t one;
  t2: int = mul t t;
  i: int = add i one;
  more: bool = lt i n;
  br more .loop .done;
.done:
  print i;
}
)";
  test::PassResult r = reuse(text);
  EXPECT_FALSE(r.changed);
  compare(text, "3");
}

TEST(LoopCarriedGVNTest, DivisionAndUsesAfterTheLatchValueStay) {
  const char *text = R"(
@main(n: int) {
  x: int = const 1;
  i: int = const 0;
  one: int = const 1;
.loop:
  q: int = div n x;
  late: int = mul x x;
  x: int = add x one;
  nq: int = div n x;
  nx: int = mul x x;
  print q late nq nx;
  i: int = add i one;
  more: bool = lt i n;
  br more .loop .done;
.done:
  print i;
}
)";
  test::PassResult r = reuse(text);
  EXPECT_FALSE(r.changed);
}

TEST(LoopCarriedGVNTest, ALoopWithTwoLatchesIsLeftAlone) {
  const char *text = R"(
@main(n: int) {
  x: int = const 1;
  one: int = const 1;
.loop:
  sq: int = mul x x;
  print sq;
  x: int = add x one;
  nx: int = mul x x;
  odd: bool = gt nx n;
  br odd .a .b;
.a:
  more: bool = lt x n;
  br more .loop .done;
.b:
  jmp .loop;
.done:
  print x;
}
)";
  test::PassResult r = reuse(text);
  EXPECT_FALSE(r.changed);
  compare(text, "20");
}

} // namespace
} // namespace brisk
