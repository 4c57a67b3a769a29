// The inliner beyond the profile (transforms/interprocedural/Inline.h,
// "Beyond the profile") and the pass that deletes what it leaves behind
// (transforms/interprocedural/DeadFunctions.h): a call that runs once is
// inlined when the callee would fold on a constant the caller passes (a loop
// bound, through a call of the callee's own), on a local allocation it loads
// from, or on all-constant arguments; when it is the callee's sole call site
// (the caller takes over the callee's budget, recorded in the stats); and it
// stays a call when nothing folds, when the callee's loop ran long, or when
// the rules are off. Functions main does not reach go, the rest stay.
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/interprocedural/DeadFunctions.h"
#include "transforms/interprocedural/Inline.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;
using test::run;

InlineOptions onceRules() {
  InlineOptions o;
  o.minSoleSiteCount = 1;
  o.minFoldingSiteCount = 1;
  return o;
}

// Profiles on `args`, inlines, checks the verifier and the output.
InlineStats inlineOnce(Program &p, const std::vector<std::string> &args,
                       const InlineOptions &options = onceRules()) {
  InlineStats stats;
  std::optional<test::ProfiledRun> before = test::profiledRun(p, args);
  if (!before)
    return stats;
  inlineHotCalls(p, before->weights, options, &stats);
  EXPECT_EQ(test::verifyMessages(p), "");
  EXPECT_EQ(run(p, args).out, before->outcome.out);
  return stats;
}

// @fill is called twice (no sole site), each time with a constant size that
// bounds its loop through @zero's own loop.
const char *kTwoConstantCalls = R"(
@zero(a: ptr<int>, n: int) {
  i: int = const 0;
  one: int = const 1;
  z: int = const 0;
.loop:
  p: ptr<int> = ptradd a i;
  store p z;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
}
@fill(n: int): ptr<int> {
  a: ptr<int> = alloc n;
  call @zero a n;
  ret a;
}
@main(x: int) {
  three: int = const 3;
  k: int = id three;
  a: ptr<int> = call @fill k;
  seven: int = const 7;
  b: ptr<int> = call @fill seven;
  print x;
  free a;
  free b;
}
)";

TEST(InlineOnceTest, ACallThatRanOnceIsInlinedWhereAConstantBoundsTheCalleesLoop) {
  Program p = parseOrDie(kTwoConstantCalls);
  inlineOnce(p, {"1"});
  EXPECT_EQ(countOp(*p.findFunction("main"), Opcode::Call), 0u);
  Program off = parseOrDie(kTwoConstantCalls);
  InlineOptions none;
  inlineOnce(off, {"1"}, none);
  EXPECT_EQ(countOp(*off.findFunction("main"), Opcode::Call), 2u);
}

TEST(InlineOnceTest, AParameterWithNothingToFoldStaysACall) {
  // x is main's parameter, and @fill is called twice: nothing folds.
  Program p = parseOrDie(R"(
@fill(n: int): ptr<int> {
  a: ptr<int> = alloc n;
  ret a;
}
@main(x: int) {
  a: ptr<int> = call @fill x;
  b: ptr<int> = call @fill x;
  free a;
  free b;
}
)");
  inlineOnce(p, {"2"});
  EXPECT_EQ(countOp(*p.findFunction("main"), Opcode::Call), 2u);
}

TEST(InlineOnceTest, ALoopThatRanLongIsNoFoldingSite) {
  // The constant bounds a 200-trip loop: inlined it would not unroll.
  const char *longLoop = R"(
@sum(n: int): int {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
.loop:
  s: int = add s i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  ret s;
}
@main {
  n: int = const 200;
  a: int = call @sum n;
  m: int = const 3;
  b: int = call @sum m;
  print a b;
}
)";
  Program p = parseOrDie(longLoop);
  inlineOnce(p, {});
  // @sum's loop ran 101.5 trips per entry: neither call is a folding site.
  EXPECT_EQ(countOp(*p.findFunction("main"), Opcode::Call), 2u);
}

TEST(InlineOnceTest, ASoleCallSiteHandsItsCalleesBudgetToTheCaller) {
  const char *sole = R"(
@area(w: int, h: int): int {
  a: int = mul w h;
  ret a;
}
@main(w: int, h: int) {
  a: int = call @area w h;
  print a;
}
)";
  Program p = parseOrDie(sole);
  InlineStats stats = inlineOnce(p, {"3", "4"});
  ASSERT_EQ(stats.soleSites.size(), 1u);
  EXPECT_EQ(stats.soleSites[0].callee, "area");
  EXPECT_EQ(stats.soleSites[0].caller, "main");
  EXPECT_EQ(countOp(*p.findFunction("main"), Opcode::Call), 0u);
  EXPECT_TRUE(removeUncalledFunctions(p));
  EXPECT_EQ(p.findFunction("area"), nullptr);
  InlineOptions noSole = onceRules();
  noSole.minSoleSiteCount = std::numeric_limits<double>::infinity();
  Program q = parseOrDie(sole);
  EXPECT_TRUE(inlineOnce(q, {"3", "4"}, noSole).soleSites.empty());
  EXPECT_EQ(countOp(*q.findFunction("main"), Opcode::Call), 1u);
}

TEST(InlineOnceTest, AllConstantArgumentsAndALocalAllocationFold) {
  const char *known = R"(
@get(a: ptr<int>, i: int): int {
  p: ptr<int> = ptradd a i;
  v: int = load p;
  ret v;
}
@twice(x: int): int {
  y: int = add x x;
  ret y;
}
@main(s: int) {
  two: int = const 2;
  a: ptr<int> = alloc two;
  store a s;
  zero: int = const 0;
  v: int = call @get a zero;
  w: int = call @get a zero;
  four: int = const 4;
  x: int = call @twice four;
  y: int = call @twice s;
  print v w x y;
  free a;
}
)";
  Program p = parseOrDie(known);
  inlineOnce(p, {"5"});
  // Both @get calls (a local allocation loaded through) and @twice 4 fold;
  // then @twice s is the sole call site of a cheap callee.
  EXPECT_EQ(countOp(*p.findFunction("main"), Opcode::Call), 0u);
  Program noSole = parseOrDie(known);
  InlineOptions foldingOnly = onceRules();
  foldingOnly.minSoleSiteCount = std::numeric_limits<double>::infinity();
  inlineOnce(noSole, {"5"}, foldingOnly);
  EXPECT_EQ(countOp(*noSole.findFunction("main"), Opcode::Call), 1u);
}

TEST(InlineOnceTest, DeadFunctionsKeepsWhatMainReaches) {
  Program p = parseOrDie(R"(
@leaf(x: int): int {
  ret x;
}
@used(x: int): int {
  y: int = call @leaf x;
  ret y;
}
@unused(x: int): int {
  y: int = call @used x;
  ret y;
}
@main(x: int) {
  y: int = call @used x;
  print y;
}
)");
  EXPECT_TRUE(removeUncalledFunctions(p));
  EXPECT_EQ(p.functions.size(), 3u);
  EXPECT_EQ(p.findFunction("unused"), nullptr);
  EXPECT_NE(p.findFunction("leaf"), nullptr);
  EXPECT_FALSE(removeUncalledFunctions(p));
  Program noMain = parseOrDie(R"(
@f(x: int): int {
  ret x;
}
)");
  EXPECT_FALSE(removeUncalledFunctions(noMain));
  EXPECT_EQ(noMain.functions.size(), 1u);
}

} // namespace
} // namespace brisk
