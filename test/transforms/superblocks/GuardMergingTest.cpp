// GuardMerging (transforms/superblocks/GuardMerging.h): negated guards of one
// speculation share one `not`, guards a later float test implies go, and
// nothing crosses an effect, a trap or another recovery label. Each rewrite
// is run on inputs where every guard passes and where each one fails, and
// must print what the original prints, in no more instructions.
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/superblocks/GuardMerging.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;
using test::run;
using test::splitArgs;

// Runs `original` and the merged program on every argument list: the same
// output and status. The first list passes every guard: there the merged
// one runs no more instructions (a guard that fails later throws away more
// work, which the cost model pays for).
void expectSameRuns(const Program &original, const Program &merged,
                    const std::vector<std::string> &argLists) {
  for (const std::string &args : argLists) {
    test::Outcome a = run(original, splitArgs(args)), b = run(merged, splitArgs(args));
    EXPECT_EQ(a.ok, b.ok) << args;
    EXPECT_EQ(a.out, b.out) << args;
    EXPECT_EQ(a.error, b.error) << args;
    if (&args == &argLists.front()) {
      EXPECT_LE(b.dyn, a.dyn) << args;
    }
  }
}

// Three exits `eq` guards (no inverse comparison: each needs a `not`) in one
// speculation, each rolled back to .slow when its value is hit.
const char *kNegated = R"(
@main(a: int, b: int, c: int) {
  zero: int = const 0;
  one: int = const 1;
.fast:
  speculate;
  x: bool = eq a zero;
  nx: bool = not x;
  guard nx .slow;
  s: int = add a one;
  y: bool = eq b zero;
  ny: bool = not y;
  guard ny .slow;
  s: int = add s b;
  z: bool = eq c zero;
  nz: bool = not z;
  guard nz .slow;
  s: int = add s c;
  commit;
  print s;
  ret;
.slow:
  print zero;
}
)";

TEST(GuardMergingTest, NegatedGuardsShareOneNot) {
  Program original = parseOrDie(kNegated);
  Program p = original;
  std::vector<GuardMove> moves;
  EXPECT_TRUE(mergeGuards(p.functions[0], &moves));
  EXPECT_EQ(countOp(p, Opcode::Guard), 1u);
  EXPECT_EQ(countOp(p, Opcode::Not), 1u);
  EXPECT_EQ(moves.size(), 2u);
  expectSameRuns(original, p, {"1 2 3", "0 2 3", "1 0 3", "1 2 0", "0 0 0"});
  // Every guard passes: 2b = 6 instructions became b + 1 = 4.
  EXPECT_EQ(run(p, splitArgs("1 2 3")).dyn + 2, run(original, splitArgs("1 2 3")).dyn);
}

TEST(GuardMergingTest, NothingMovesPastAPrintOrAnUnprovenDiv) {
  for (const char *between : {"print a;", "q: int = div a b;"}) {
    std::string text = std::string(R"(
@main(a: int, b: int) {
  zero: int = const 0;
.fast:
  speculate;
  x: bool = eq a zero;
  nx: bool = not x;
  guard nx .slow;
  )") + between + R"(
  y: bool = eq b zero;
  ny: bool = not y;
  guard ny .slow;
  commit;
  print a;
  ret;
.slow:
  print zero;
}
)";
    Program p = parseOrDie(text);
    EXPECT_FALSE(mergeGuards(p.functions[0])) << between;
    EXPECT_EQ(countOp(p, Opcode::Not), 2u) << between;
  }
}

TEST(GuardMergingTest, ADivByAValueAlreadyDividedByCannotTrap) {
  // The second div divides by b again: it cannot fail where the first did
  // not, so the first guard may move past it. A div by a new value may.
  const char *text = R"(
@main(a: int, b: int) {
  zero: int = const 0;
  one: int = const 1;
.fast:
  speculate;
  q: int = div a b;
  x: bool = eq q zero;
  nx: bool = not x;
  guard nx .slow;
  a: int = add a one;
  r: int = div a b;
  y: bool = eq r zero;
  ny: bool = not y;
  guard ny .slow;
  commit;
  print r;
  ret;
.slow:
  print zero;
}
)";
  Program original = parseOrDie(text);
  Program p = original;
  EXPECT_TRUE(mergeGuards(p.functions[0]));
  EXPECT_EQ(countOp(p, Opcode::Guard), 1u);
  expectSameRuns(original, p, {"7 2", "1 2", "3 2", "5 0"});

  std::string fresh = text;
  fresh.replace(fresh.find("r: int = div a b"), 16, "r: int = div b a");
  Program q = parseOrDie(fresh);
  EXPECT_FALSE(mergeGuards(q.functions[0]));
}

TEST(GuardMergingTest, GuardsToOtherLabelsStaySeparate) {
  std::string text = kNegated;
  text.replace(text.find("guard ny .slow"), 14, "guard ny .fast");
  Program p = parseOrDie(text);
  mergeGuards(p.functions[0]);
  // Only the first and third share a label, and the middle one ends the
  // stretch between them.
  EXPECT_EQ(countOp(p, Opcode::Guard), 3u);
}

// An unrolled float loop's exit tests: i only grows, so the last test
// passing proves the earlier ones passed.
const char *kFloatExits = R"(
@main(n: float) {
  i: float = const 0;
  one: float = const 1;
.fast:
  speculate;
  i: float = fadd i one;
  c: bool = fle i n;
  guard c .slow;
  i: float = fadd i one;
  c: bool = fle i n;
  guard c .slow;
  i: float = fadd i one;
  d: bool = fge n i;
  guard d .slow;
  commit;
  print i;
  ret;
.slow:
  print n;
}
)";

TEST(GuardMergingTest, AnIncreasingFloatTestImpliesTheEarlierOnes) {
  Program original = parseOrDie(kFloatExits);
  Program p = original;
  std::vector<GuardMove> moves;
  EXPECT_TRUE(mergeGuards(p.functions[0], &moves));
  EXPECT_EQ(countOp(p, Opcode::Guard), 1u);
  EXPECT_EQ(moves.size(), 2u);
  expectSameRuns(original, p, {"5", "3", "2.5", "1", "0.5", "-1", "Infinity", "-Infinity"});
}

TEST(GuardMergingTest, IntegerAndDecreasingTestsAreNotImplied) {
  // Integers wrap around: i + 1 may be smaller than i.
  Program ints = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.fast:
  speculate;
  i: int = add i one;
  c: bool = le i n;
  guard c .slow;
  i: int = add i one;
  c: bool = le i n;
  guard c .slow;
  commit;
  print i;
  ret;
.slow:
  print n;
}
)");
  EXPECT_FALSE(mergeGuards(ints.functions[0]));
  // i falls: the later i <= n does not prove the earlier one.
  std::string down = kFloatExits;
  for (size_t at; (at = down.find("fadd i one")) != std::string::npos;)
    down.replace(at, 10, "fsub i one");
  Program p = parseOrDie(down);
  mergeGuards(p.functions[0]);
  EXPECT_EQ(countOp(p, Opcode::Guard), 3u);
}

} // namespace
} // namespace brisk
