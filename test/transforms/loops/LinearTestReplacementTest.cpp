// LinearTestReplacement (transforms/loops/LinearTestReplacement.h): a
// counter read only by its exit test is replaced by another integer
// induction variable (and dies), with the same exit iteration on every
// input: the guard of a rotated loop proving the start below the bound,
// exits by `eq` across the wrap-around of int, down-counting loops; and the
// loops it must leave alone (the counter read elsewhere, an even step, an
// unproven start, pointers only). The SSA verifier runs after the pass.
#include "frontend/Loader.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/BenchPassCheck.h"
#include "test/transforms/RunHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/PassRegistry.h"
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

// Whether some exit test reads what the pass computed (`lftr.done`); the
// pass's own result also counts the preheaders it inserts.
bool rewroteATest(const Program &p) {
  for (const Function &f : p.functions)
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        if (in.hasDest() && f.varName(in.dest).rfind("lftr.done", 0) == 0)
          return true;
  return false;
}

// The SSA passes that come before it in the pipeline (rotation leaves the
// guard the proof reads), the pass, and dead code elimination.
// `changed`: whether a test was rewritten (the other passes change things
// too).
test::PassResult replace(const std::string &text) {
  test::PassResult r = test::inSSAWith(text, [](Function &f) {
    rotateLoops(f);
    numberValues(f);
    propagateCopies(f);
    replaceExitTests(f);
    eliminateDeadCodeAggressively(f);
    return false;
  });
  r.changed = rewroteATest(r.program);
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
  test::PassResult r = replace(kTwoCounters);
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

// `eq` exits: the counter runs from k + 2^63 to n + 2^63 (wrapping; the
// arguments stay small, as brili reads numbers as doubles), so k = -3, n = 1
// crosses the wrap-around of int; the other variable counts down by 7 from
// -2^63 + 20 and wraps too.
TEST(LinearTestReplacementTest, EqExitsAcrossTheWrapAround) {
  const char *text = R"(
@main(k: int, n: int) {
  half: int = const 2147483648;
  quarter: int = mul half half;
  top: int = add quarter quarter;
  i: int = add k top;
  m: int = add n top;
  twenty: int = const 20;
  j: int = add top twenty;
  one: int = const 1;
  seven: int = const 7;
.loop:
  print j;
  j: int = sub j seven;
  i: int = add i one;
  done: bool = eq i m;
  br done .out .loop;
.out:
  print j;
}
)";
  EXPECT_TRUE(replace(text).changed);
  expectSameBehaviour(text, {{"-3", "1"}, {"0", "3"}, {"-1", "0"}, {"5", "6"}, {"2", "40"}});
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
  expectSameBehaviour(text, {{"5", "0"}, {"0", "0"}, {"0", "5"}, {"-4", "-9"}, {"9", "8"}});
}

// The loop of an accumulating recursion made a loop (tail-recursion): two
// exits, the counter tested on its phi at the top against a constant bound
// from a constant start, the accumulator counting along.
TEST(LinearTestReplacementTest, AccumulatorOfATailRecursionTakesTheTest) {
  const char *text = R"(
@main(x: int) {
  n: int = const 0;
  acc: int = const 0;
  limit: int = const 100;
  one: int = const 1;
  three: int = const 3;
.top:
  more: bool = lt n limit;
  br more .step .done;
.step:
  x: int = mul x three;
  x: int = div x one;
  big: bool = gt x limit;
  n: int = add n one;
  acc: int = add acc one;
  br big .done .top;
.done:
  print acc x;
}
)";
  EXPECT_TRUE(replace(text).changed);
  expectSameBehaviour(text, {{"0"}, {"1"}, {"2"}, {"-5"}, {"40"}, {"101"}});
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

// Every shared benchmark through the loop passes, strength-reduce and lftr:
// same output and exit status on its shipped arguments.
TEST(LinearTestReplacementBenchTest, EveryBenchmarkKeepsItsOutput) {
  test::expectBenchmarksKeepOutput({"tail-recursion,to-ssa,sccp,copy-prop,adce,simplify-cfg,loop-rotate,"
                                   "licm,gvn,strength-reduce",
                                   "lftr,adce,from-ssa"});
}

} // namespace
} // namespace brisk
