// FullUnroll (transforms/loops/FullUnroll.h): the trip count it proves
// (constant bounds, exits it cannot decide, bounds it cannot know), loops it
// replaces by copies that the clean-up folds (a fixed-size array filled and
// summed, a nest whose outer loop becomes innermost), and the semantics it
// keeps: a trap in the third trip, an endless loop with constant bounds, a
// size limit that sends the function back; the batch: two loops unrolled in
// one, a rejected batch whose loops go one at a time (one kept, one not), a
// batch whose clean-up repeats until one loop's constants reach the other;
// a rejected batch leaves the SSA function exactly as it was, also after a
// larger function was unrolled (the version to go back to sits in a buffer
// the calls share).
// The SSA verifier runs after the pass; every shared benchmark keeps its
// output through it.
#include "backend/TextPrinter.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/BenchPassCheck.h"
#include "test/transforms/TestSupport.h"
#include "transforms/loops/FullUnroll.h"
#include "transforms/scalar/SCCP.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;
using test::run;

// to-ssa, sccp, the pass (with `options`; what it did adds up in `stats`),
// the SSA verifier; then out of SSA.
Program unrolled(const std::string &text, bool *changed = nullptr,
                 const FullUnrollOptions &options = {}, FullUnrollStats *stats = nullptr) {
  Program p = parseOrDie(text);
  bool any = false;
  for (Function &f : p.functions) {
    toSSA(f);
    propagateConstants(f);
    any |= unrollLoopsFully(f, options, stats);
  }
  EXPECT_EQ(test::verifySSAMessages(p, true), "");
  for (Function &f : p.functions)
    fromSSA(f);
  if (changed)
    *changed = any;
  return p;
}

// The trip count of the first loop header of @main, in SSA after SCCP.
unsigned tripsOf(const std::string &text, const std::string &header) {
  Program p = parseOrDie(text);
  Function &f = *p.findFunction("main");
  toSSA(f);
  propagateConstants(f);
  std::optional<BlockId> h = f.findBlock(header);
  EXPECT_TRUE(h.has_value());
  return h ? constantTripCount(f, *h, 64) : 0;
}

// Five squares stored, then summed: 75 dynamic instructions that fold to a
// constant print (the allocation goes with scalar replacement).
const char *kFillAndSum = R"(
@main {
  one: int = const 1;
  five: int = const 5;
  a: ptr<int> = alloc five;
  i: int = const 0;
.fill:
  p: ptr<int> = ptradd a i;
  sq: int = mul i i;
  store p sq;
  i: int = add i one;
  c: bool = lt i five;
  br c .fill .done;
.done:
  s: int = const 0;
  j: int = const 0;
.sum:
  c2: bool = lt j five;
  br c2 .body .out;
.body:
  q: ptr<int> = ptradd a j;
  v: int = load q;
  s: int = add s v;
  j: int = add j one;
  jmp .sum;
.out:
  print s;
  free a;
}
)";

TEST(FullUnrollTest, CountsTheTripsOfConstantBounds) {
  EXPECT_EQ(tripsOf(kFillAndSum, "fill"), 5u); // do-while: five bodies
  EXPECT_EQ(tripsOf(kFillAndSum, "sum"), 6u);  // while: the sixth test exits
}

TEST(FullUnrollTest, ABoundItCannotKnowOrAnEndlessLoopHasNoCount) {
  const char *param = R"(
@main(n: int) {
  one: int = const 1;
  i: int = const 0;
.loop:
  print i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
}
)";
  EXPECT_EQ(tripsOf(param, "loop"), 0u);
  const char *endless = R"(
@main {
  zero: int = const 0;
  one: int = const 1;
  i: int = const 0;
.loop:
  print i;
  i: int = mul i zero;
  c: bool = lt i one;
  br c .loop .done;
.done:
}
)";
  EXPECT_EQ(tripsOf(endless, "loop"), 0u);
  bool changed = true;
  Program p = unrolled(endless, &changed);
  EXPECT_FALSE(changed);
}

TEST(FullUnrollTest, AnExitOnALoadStillCountsByTheCounter) {
  // The loop may leave early on what it loads; the counter bounds it at 4.
  const char *search = R"(
@main {
  one: int = const 1;
  four: int = const 4;
  seven: int = const 7;
  a: ptr<int> = alloc four;
  i: int = const 0;
.init:
  p: ptr<int> = ptradd a i;
  store p i;
  i: int = add i one;
  c: bool = lt i four;
  br c .init .go;
.go:
  j: int = const 0;
.find:
  q: ptr<int> = ptradd a j;
  v: int = load q;
  hit: bool = eq v seven;
  br hit .found .next;
.next:
  j: int = add j one;
  d: bool = lt j four;
  br d .find .found;
.found:
  print j;
  free a;
}
)";
  EXPECT_EQ(tripsOf(search, "find"), 4u);
  Program orig = parseOrDie(search);
  bool changed = false;
  Program p = unrolled(search, &changed);
  EXPECT_TRUE(changed);
  test::Outcome a = run(orig, {}), b = run(p, {});
  EXPECT_EQ(b.out, a.out);
  EXPECT_LT(b.dyn, a.dyn);
}

// A function larger than maxFunctionSize stays as it is; at that size, it
// unrolls.
TEST(FullUnrollTest, AFunctionOverMaxFunctionSizeIsLeftAlone) {
  size_t size = parseOrDie(kFillAndSum).functions[0].instrCount();
  FullUnrollOptions small;
  small.maxFunctionSize = size / 2; // (to-ssa and sccp keep it above that)
  bool changed = true;
  unrolled(kFillAndSum, &changed, small);
  EXPECT_FALSE(changed);
  FullUnrollOptions fits;
  fits.maxFunctionSize = 2 * size;
  unrolled(kFillAndSum, &changed, fits);
  EXPECT_TRUE(changed);
}

TEST(FullUnrollTest, AFilledAndSummedArrayFoldsToOnePrint) {
  Program orig = parseOrDie(kFillAndSum);
  bool changed = false;
  Program p = unrolled(kFillAndSum, &changed);
  EXPECT_TRUE(changed);
  test::Outcome a = run(orig, {}), b = run(p, {});
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.out, "30\n");
  EXPECT_EQ(countOp(p, Opcode::Br), 0u);
  EXPECT_EQ(countOp(p, Opcode::Load), 0u);
  EXPECT_LE(b.dyn, 3u);
}

TEST(FullUnrollTest, TheOuterLoopOfANestUnrollsOnceItsInnerLoopWent) {
  const char *nest = R"(
@main {
  one: int = const 1;
  three: int = const 3;
  s: int = const 0;
  i: int = const 0;
.outer:
  j: int = const 0;
.inner:
  t: int = mul i j;
  s: int = add s t;
  j: int = add j one;
  c: bool = lt j three;
  br c .inner .next;
.next:
  i: int = add i one;
  d: bool = lt i three;
  br d .outer .done;
.done:
  print s;
}
)";
  Program orig = parseOrDie(nest);
  Program p = unrolled(nest);
  EXPECT_EQ(run(p, {}).out, run(orig, {}).out);
  EXPECT_EQ(countOp(p, Opcode::Br), 0u);
}

TEST(FullUnrollTest, ATrapInTheThirdTripStaysInTheThirdTrip) {
  // Prints 1 and 2, then divides by zero; the copies must do the same.
  const char *trap = R"(
@main {
  one: int = const 1;
  three: int = const 3;
  five: int = const 5;
  i: int = const 0;
.loop:
  d: int = sub three i;
  d: int = sub d one;
  q: int = div five d;
  print q;
  i: int = add i one;
  c: bool = lt i five;
  br c .loop .done;
.done:
  print i;
}
)";
  Program orig = parseOrDie(trap);
  bool changed = false;
  Program p = unrolled(trap, &changed);
  EXPECT_TRUE(changed);
  test::Outcome a = run(orig, {}), b = run(p, {});
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(b.ok, a.ok);
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.error, a.error);
}

TEST(FullUnrollTest, OverTheSizeLimitTheFunctionStaysAsItWas) {
  const char *prints = R"(
@main(x: int) {
  one: int = const 1;
  eight: int = const 8;
  i: int = const 0;
.loop:
  y: int = mul x i;
  print y;
  i: int = add i one;
  c: bool = lt i eight;
  br c .loop .done;
.done:
}
)";
  bool changed = true;
  FullUnrollOptions tight;
  tight.sizeLimit = 12;
  unrolled(prints, &changed, tight);
  EXPECT_FALSE(changed);
  Program orig = parseOrDie(prints);
  Program p = unrolled(prints, &changed);
  EXPECT_TRUE(changed);
  test::Outcome a = run(orig, {"3"}), b = run(p, {"3"});
  EXPECT_EQ(b.out, a.out);
  EXPECT_LT(b.dyn, a.dyn);
}

// Two loops of constant trips one after the other: eight prints of x * j
// that grow the function, and a sum of 0..3 that folds to a constant.
const char *kPrintsAndFold = R"(
@main(x: int) {
  one: int = const 1;
  four: int = const 4;
  eight: int = const 8;
  j: int = const 0;
.prints:
  y: int = mul x j;
  print y;
  j: int = add j one;
  d: bool = lt j eight;
  br d .prints .mid;
.mid:
  s: int = const 0;
  i: int = const 0;
.sum:
  s: int = add s i;
  i: int = add i one;
  c: bool = lt i four;
  br c .sum .done;
.done:
  print s;
}
)";

TEST(FullUnrollTest, TwoLoopsGoInOneBatch) {
  Program orig = parseOrDie(kPrintsAndFold);
  bool changed = false;
  FullUnrollStats stats;
  Program p = unrolled(kPrintsAndFold, &changed, {}, &stats);
  EXPECT_TRUE(changed);
  EXPECT_EQ(stats.batches, 1u);
  EXPECT_EQ(stats.alone, 0u);
  EXPECT_EQ(stats.unrolled, 2u);
  EXPECT_EQ(countOp(p, Opcode::Br), 0u);
  test::Outcome a = run(orig, {"3"}), b = run(p, {"3"});
  EXPECT_EQ(b.out, a.out);
  EXPECT_LT(b.dyn, a.dyn);
}

TEST(FullUnrollTest, ARejectedBatchKeepsTheLoopThatFitsAlone) {
  // Together the two loops leave the function over its limit: the batch goes
  // back; one at a time, the prints are rejected (they grow it over the
  // limit) and the sum is kept (it shrinks it).
  Program orig = parseOrDie(kPrintsAndFold);
  size_t before = 0;
  for (const Function &f : orig.functions)
    before += f.instrCount();
  FullUnrollOptions tight;
  tight.sizeLimit = before;
  bool changed = false;
  FullUnrollStats stats;
  Program p = unrolled(kPrintsAndFold, &changed, tight, &stats);
  EXPECT_TRUE(changed);
  EXPECT_EQ(stats.batches, 1u);
  EXPECT_EQ(stats.alone, 2u);
  EXPECT_EQ(stats.unrolled, 1u);
  // The prints' loop is still there, the sum's is gone.
  EXPECT_EQ(countOp(p, Opcode::Br), 1u);
  EXPECT_EQ(countOp(p, Opcode::Print), 2u);
  EXPECT_EQ(countOp(p, Opcode::Add), 1u);
  test::Outcome a = run(orig, {"3"}), b = run(p, {"3"});
  EXPECT_EQ(b.out, a.out);
  EXPECT_LT(b.dyn, a.dyn);
}

TEST(FullUnrollTest, ARejectedBatchLeavesTheFunctionExactlyAsItWas) {
  // A larger function unrolled first fills the buffer that holds the version
  // to go back to; this one's eight prints then outgrow its limit, and every
  // instruction, name and label is as before.
  bool changed = false;
  unrolled(kFillAndSum, &changed);
  ASSERT_TRUE(changed);
  Program p = parseOrDie(R"(
@main(x: int) {
  one: int = const 1;
  eight: int = const 8;
  i: int = const 0;
.loop:
  y: int = mul x i;
  print y;
  i: int = add i one;
  c: bool = lt i eight;
  br c .loop .done;
.done:
}
)");
  Function &f = *p.findFunction("main");
  toSSA(f);
  propagateConstants(f);
  const std::string before = toText(p);
  FullUnrollOptions tight;
  tight.sizeLimit = 12;
  FullUnrollStats stats;
  EXPECT_FALSE(unrollLoopsFully(f, tight, &stats));
  EXPECT_EQ(stats.batches, 1u);
  EXPECT_EQ(stats.unrolled, 0u);
  EXPECT_EQ(toText(p), before);
}

TEST(FullUnrollTest, ABatchCleansUpUntilOneLoopsConstantsReachTheOther) {
  // The index into `b` is loaded from `a`: it is a constant only once `a`'s
  // cells became values, which takes a clean-up after both loops went.
  const char *chained = R"(
@main {
  one: int = const 1;
  four: int = const 4;
  a: ptr<int> = alloc four;
  i: int = const 0;
.fill:
  p: ptr<int> = ptradd a i;
  store p i;
  i: int = add i one;
  c: bool = lt i four;
  br c .fill .next;
.next:
  k: ptr<int> = ptradd a one;
  idx: int = load k;
  b: ptr<int> = alloc four;
  j: int = const 0;
.fill2:
  q: ptr<int> = ptradd b j;
  sq: int = mul j j;
  store q sq;
  j: int = add j one;
  d: bool = lt j four;
  br d .fill2 .use;
.use:
  r: ptr<int> = ptradd b idx;
  v: int = load r;
  print v;
  free a;
  free b;
}
)";
  Program orig = parseOrDie(chained);
  FullUnrollStats stats;
  Program p = unrolled(chained, nullptr, {}, &stats);
  EXPECT_EQ(stats.batches, 1u);
  EXPECT_EQ(stats.unrolled, 2u);
  EXPECT_EQ(countOp(p, Opcode::Alloc), 0u);
  EXPECT_EQ(countOp(p, Opcode::Load), 0u);
  test::Outcome a = run(orig, {}), b = run(p, {});
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.out, "1\n");
}

TEST(FullUnrollTest, EveryBenchmarkKeepsItsOutput) {
  test::expectBenchmarksKeepOutput({"to-ssa,sccp,full-unroll,from-ssa"});
}

} // namespace
} // namespace brisk
