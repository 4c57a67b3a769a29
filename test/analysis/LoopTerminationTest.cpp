// Unit tests for analysis/LoopTermination: which loops of an SSA function
// are proven finite. Only a counted exit test that runs every iteration and
// cannot wrap around proves it; everything else must stay unproven. The loops
// are written in plain Bril and put into SSA by toSSA (transforms/ssa).
#include "analysis/LoopTermination.h"
#include "test/analysis/ParseHelper.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

#include <string>

namespace brisk {
namespace {

using test::parseOrDie;

// Whether the single loop of `main` (after toSSA) is proven finite.
bool onlyLoopIsFinite(const std::string &text) {
  Program p = parseOrDie(text);
  Function &f = p.functions[0];
  EXPECT_TRUE(toSSA(f));
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  EXPECT_EQ(loops.loops().size(), 1u);
  std::vector<bool> finite = findFiniteLoops(f, cfg, dom, loops);
  return !finite.empty() && finite[0];
}

// A loop `while (i REL n) i = i + STEP` with the test at the top.
std::string whileLoop(const std::string &rel, const std::string &step, const std::string &bound,
                      bool exitWhenTrue = false) {
  std::string br = exitWhenTrue ? "br c .done .body;" : "br c .body .done;";
  return "@main(n: int) {\n  i: int = const 0;\n  s: int = const " + step +
         ";\n  b: int = " + bound + ";\n.loop:\n  c: bool = " + rel + " i b;\n  " + br +
         "\n.body:\n  i: int = add i s;\n  jmp .loop;\n.done:\n  print n;\n}\n";
}

TEST(LoopTerminationTest, CountingUpToAnArbitraryBoundByOneIsFinite) {
  EXPECT_TRUE(onlyLoopIsFinite(whileLoop("lt", "1", "id n")));
  // `ge i b` false keeps it going: the same as `lt`.
  EXPECT_TRUE(onlyLoopIsFinite(whileLoop("ge", "1", "id n", /*exitWhenTrue=*/true)));
}

TEST(LoopTerminationTest, CountingDownByOneIsFinite) {
  EXPECT_TRUE(onlyLoopIsFinite(whileLoop("gt", "-1", "id n")));
}

TEST(LoopTerminationTest, CountingAwayFromTheBoundIsNotFinite) {
  EXPECT_FALSE(onlyLoopIsFinite(whileLoop("gt", "1", "id n")));
  EXPECT_FALSE(onlyLoopIsFinite(whileLoop("lt", "-1", "id n")));
  EXPECT_FALSE(onlyLoopIsFinite(whileLoop("lt", "0", "id n")));
}

TEST(LoopTerminationTest, WrapAroundIsRuledOut) {
  // i <= n never fails for n = max; a step of 2 may jump over max - 1.
  EXPECT_FALSE(onlyLoopIsFinite(whileLoop("le", "1", "id n")));
  EXPECT_FALSE(onlyLoopIsFinite(whileLoop("lt", "2", "id n")));
  // With a constant bound far from max both are safe.
  EXPECT_TRUE(onlyLoopIsFinite(whileLoop("le", "1", "const 100")));
  EXPECT_TRUE(onlyLoopIsFinite(whileLoop("lt", "2", "const 100")));
  // ... but not at max itself (computed: a literal that large reads as a double).
  EXPECT_FALSE(onlyLoopIsFinite(R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  half: int = const 4611686018427387904;
  m: int = sub half one;
  b: int = add m half;
.loop:
  c: bool = le i b;
  br c .body .done;
.body:
  i: int = add i one;
  jmp .loop;
.done:
  print n;
}
)"));
}

TEST(LoopTerminationTest, EqualityExitsAndLoopVariantBoundsProveNothing) {
  EXPECT_FALSE(onlyLoopIsFinite(whileLoop("eq", "1", "id n", /*exitWhenTrue=*/true)));
  // The bound moves with the counter.
  EXPECT_FALSE(onlyLoopIsFinite(R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  i: int = add i one;
  n: int = add n one;
  jmp .loop;
.done:
  print n;
}
)"));
}

// `do { ... } while (i != 6)`-style loops: an `eq` exit is finite only when
// the counter starts at a constant and lands on the constant bound exactly.
std::string equalityLoop(const std::string &init, const std::string &step, bool testUpdate) {
  std::string test = testUpdate ? "  i: int = add i s;\n  c: bool = eq i b;\n"
                                : "  c: bool = eq i b;\n  i: int = add i s;\n";
  return "@main(n: int) {\n  i: int = " + init + ";\n  s: int = const " + step +
         ";\n  b: int = const 6;\n.loop:\n" + test +
         "  br c .done .loop;\n.done:\n  print n;\n}\n";
}

TEST(LoopTerminationTest, AnEqualityExitIsFiniteWhenTheCounterLandsOnTheBound) {
  EXPECT_TRUE(onlyLoopIsFinite(equalityLoop("const 0", "2", false)));
  EXPECT_TRUE(onlyLoopIsFinite(equalityLoop("const 0", "2", true)));
  EXPECT_TRUE(onlyLoopIsFinite(equalityLoop("const 9", "-1", true)));
  // Steps of 4 jump over 6; counting down from 0 moves away from it.
  EXPECT_FALSE(onlyLoopIsFinite(equalityLoop("const 0", "4", false)));
  EXPECT_FALSE(onlyLoopIsFinite(equalityLoop("const 0", "-2", false)));
  // Starting at 6 and testing after the step: the counter has left 6 and
  // comes back only after wrapping around.
  EXPECT_FALSE(onlyLoopIsFinite(equalityLoop("const 6", "1", true)));
  EXPECT_TRUE(onlyLoopIsFinite(equalityLoop("const 6", "1", false)));
  // An unknown start proves nothing.
  EXPECT_FALSE(onlyLoopIsFinite(equalityLoop("id n", "1", false)));
}

TEST(LoopTerminationTest, AnExitTestThatSomeIterationsSkipProvesNothing) {
  // The counted test sits on one side of a branch inside the loop: an
  // iteration through .other never runs it.
  EXPECT_FALSE(onlyLoopIsFinite(R"(
@main(n: int, f: bool) {
  i: int = const 0;
  one: int = const 1;
.loop:
  br f .test .other;
.test:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.other:
  jmp .loop;
.done:
  print n;
}
)"));
}

TEST(LoopTerminationTest, TestAfterTheUpdateAndAConstantOnTheLeft) {
  // do { i = i + 1 } while (n > i): the test reads the updated value.
  EXPECT_TRUE(onlyLoopIsFinite(R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  i: int = add one i;
  c: bool = gt n i;
  br c .loop .done;
.done:
  print n;
}
)"));
  // The issue's loop: the exit test does not read the counter at all.
  EXPECT_FALSE(onlyLoopIsFinite(R"(
@main(n: int) {
  one: int = const 1;
  i: int = const 0;
  zero: int = const 0;
.loop:
  i: int = add i one;
  c: bool = lt n zero;
  br c .loop .done;
.done:
  print n;
}
)"));
}

} // namespace
} // namespace brisk
