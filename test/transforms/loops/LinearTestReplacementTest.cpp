// LinearTestReplacement (transforms/loops/LinearTestReplacement.h): a
// counter read only by its exit test is replaced by another integer
// induction variable (and dies), with the same exit iteration on every
// input: the guard of a rotated loop proving the start below the bound,
// exits by `eq` across the wrap-around of int, down-counting loops; and the
// loops it must leave alone (the counter read elsewhere, an even step, an
// unproven start, pointers only). The SSA verifier runs after the pass.
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/loops/LinearTestReplacement.h"
#include "transforms/loops/LoopRotation.h"
#include "transforms/scalar/AggressiveDCE.h"
#include "transforms/scalar/CopyPropagation.h"
#include "transforms/scalar/GVN.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;
using test::run;

struct Result {
  Program program;
  bool changed = false;
};

// The SSA passes that come before it in the pipeline (rotation leaves the
// guard the proof reads), the pass, and dead code elimination.
Result replace(const std::string &text) {
  Result r{parseOrDie(text), false};
  for (Function &f : r.program.functions) {
    toSSA(f);
    rotateLoops(f);
    numberValues(f);
    propagateCopies(f);
    r.changed |= replaceExitTests(f);
    eliminateDeadCodeAggressively(f);
  }
  EXPECT_EQ(test::verifySSAMessages(r.program, true), "");
  return r;
}

// Same output, same error, fewer instructions where the loop ran long.
void expectSameBehaviour(const std::string &text, const std::vector<std::vector<std::string>> &inputs) {
  Program orig = parseOrDie(text);
  Program opt = replace(text).program;
  for (Function &f : opt.functions)
    fromSSA(f);
  for (const std::vector<std::string> &args : inputs) {
    SCOPED_TRACE(args.empty() ? "" : args[0]);
    test::Outcome a = run(orig, args), b = run(opt, args);
    EXPECT_EQ(b.out, a.out);
    EXPECT_EQ(b.ok, a.ok);
    EXPECT_EQ(b.error, a.error);
  }
}

// A while loop counting i up to n, with j = 5 + 3i read by the body.
const char *kTwoCounters = R"(
@main(n: int) {
  i: int = const 0;
  j: int = const 5;
  one: int = const 1;
  three: int = const 3;
  s: int = const 0;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  s: int = add s j;
  j: int = add j three;
  i: int = add i one;
  jmp .head;
.done:
  print s j;
}
)";

TEST(LinearTestReplacementTest, TheCounterDiesAndTheExitTestReadsTheOtherVariable) {
  Result r = replace(kTwoCounters);
  EXPECT_TRUE(r.changed);
  const Function &f = r.program.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Lt), 1u); // the guard before the loop only
  EXPECT_EQ(countOp(f, Opcode::Eq), 1u); // the new exit test
  EXPECT_EQ(countOp(f, Opcode::Mul), 1u); // the distance x 3, before the loop
  expectSameBehaviour(kTwoCounters, {{"0"}, {"1"}, {"2"}, {"7"}, {"-3"},
                                     {"-9223372036854775808"}});
  Program orig = parseOrDie(kTwoCounters);
  Program opt = replace(kTwoCounters).program;
  for (Function &g : opt.functions)
    fromSSA(g);
  EXPECT_LT(run(opt, {"100"}).dyn, run(orig, {"100"}).dyn);
}

// `eq` exits: the counter runs from k to n through the wrap-around of int,
// the other variable counts down by 7 and wraps too.
TEST(LinearTestReplacementTest, EqExitsAcrossTheWrapAround) {
  const char *text = R"(
@main(k: int, n: int) {
  i: int = id k;
  j: int = const -9223372036854775800;
  one: int = const 1;
  seven: int = const 7;
.loop:
  print j;
  j: int = sub j seven;
  i: int = add i one;
  done: bool = eq i n;
  br done .out .loop;
.out:
  print j;
}
)";
  EXPECT_TRUE(replace(text).changed);
  expectSameBehaviour(text, {{"9223372036854775805", "-9223372036854775806"},
                             {"0", "3"}, {"-1", "0"}, {"5", "6"}});
}

// Down by one to a bound, the test on the phi before the update.
TEST(LinearTestReplacementTest, DownCountingLoop) {
  const char *text = R"(
@main(n: int, m: int) {
  i: int = id n;
  j: int = const 0;
  one: int = const 1;
.head:
  c: bool = gt i m;
  br c .body .done;
.body:
  print j;
  j: int = add j one;
  i: int = sub i one;
  jmp .head;
.done:
  print j;
}
)";
  EXPECT_TRUE(replace(text).changed);
  expectSameBehaviour(text, {{"5", "0"}, {"0", "0"}, {"0", "5"}, {"-9223372036854775807", "-9223372036854775808"},
                             {"-9223372036854775805", "-9223372036854775808"}});
}

TEST(LinearTestReplacementTest, LeavesLoopsItCannotProveAlone) {
  // The counter is printed after the loop: it does not die.
  const char *readAfter = R"(
@main(n: int) {
  i: int = const 0;
  j: int = const 0;
  one: int = const 1;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  print j;
  j: int = add j one;
  i: int = add i one;
  jmp .head;
.done:
  print i;
}
)";
  EXPECT_FALSE(replace(readAfter).changed);
  // j steps by 2: j0 + 2k hits J at two k modulo 2^64.
  const char *evenStep = R"(
@main(n: int) {
  i: int = const 0;
  j: int = const 0;
  one: int = const 1;
  two: int = const 2;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  print j;
  j: int = add j two;
  i: int = add i one;
  jmp .head;
.done:
}
)";
  EXPECT_FALSE(replace(evenStep).changed);
  // A do-while loop from k: nothing says k <= n, and from k > n the
  // counter would climb through the wrap-around before the test failed?
  // No: `i < n` fails at once, but j != J need not.
  const char *unprovenStart = R"(
@main(k: int, n: int) {
  i: int = id k;
  j: int = const 0;
  one: int = const 1;
.loop:
  print j;
  j: int = add j one;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
}
)";
  EXPECT_FALSE(replace(unprovenStart).changed);
  expectSameBehaviour(unprovenStart, {{"5", "2"}, {"0", "3"}});
  // Only a pointer walks along: pointers cannot be compared in Bril.
  const char *pointerOnly = R"(
@main(n: int) {
  size: int = const 8;
  a: ptr<int> = alloc size;
  p: ptr<int> = id a;
  i: int = const 0;
  one: int = const 1;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  store p i;
  p: ptr<int> = ptradd p one;
  i: int = add i one;
  jmp .head;
.done:
  free a;
}
)";
  EXPECT_FALSE(replace(pointerOnly).changed);
}

// An endless loop stays endless: "i != n" with i stepping by 2 from an even
// start and n odd never exits (the pass leaves an even counter step alone;
// the run is cut by its instruction budget in neither version).
TEST(LinearTestReplacementTest, AnEndlessCounterIsLeftAlone) {
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  j: int = const 0;
  two: int = const 2;
  one: int = const 1;
.loop:
  j: int = add j one;
  i: int = add i two;
  done: bool = eq i n;
  br done .out .loop;
.out:
  print j;
}
)";
  EXPECT_FALSE(replace(text).changed);
}

} // namespace
} // namespace brisk
