// Programs that use speculate/guard/commit themselves. Under brili a `call`
// or `ret` while speculating is an error, as is reaching the end of a function
// while speculating; the optimizer must keep those errors (the inliner used
// to turn such a call into a success). Each program is optimized on a
// training input that runs cleanly (test/transforms/Differential.h, every
// flag variant) and run on inputs that hit the error and inputs that do not.
// A function that speculates itself comes back exactly as written, with an
// "untouched" remark (transforms/Pipeline.h); its callees are still
// optimized.
#include "test/transforms/Differential.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::countOp;
using test::expectSameUnderEveryVariant;
using test::optimizeOn;
using test::parseOrDie;
using test::textOf;

// A hot call that runs under main's own speculation when `spec` is true (an
// error), and outside it when false (what the training run does).
const char kCallUnderOwnSpeculation[] = R"(
@inc(x: int): int {
  one: int = const 1;
  r: int = add x one;
  ret r;
}
@main(n: int, spec: bool) {
  i: int = const 0;
  s: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  br spec .enter .call;
.enter:
  speculate;
.call:
  s: int = call @inc s;
  br spec .leave .next;
.leave:
  commit;
.next:
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(OwnSpeculationTest, CallUnderTheProgramsSpeculationStaysAnError) {
  expectSameUnderEveryVariant(kCallUnderOwnSpeculation, "50 false",
                              {"50 false", "5 true", "1 true", "0 true", "3 false"});
}

TEST(OwnSpeculationTest, FunctionThatSpeculatesIsLeftAsWrittenWithARemark) {
  Program p = parseOrDie(kCallUnderOwnSpeculation);
  std::vector<RegionRemark> remarks;
  Program o = optimizeOn(p, "50 false", SuperblockPipelineOptions{}, &remarks);
  ASSERT_EQ(o.functions.size(), p.functions.size());
  EXPECT_EQ(textOf(*o.findFunction("main")), textOf(*p.findFunction("main")));
  bool remarked = false;
  for (const RegionRemark &r : remarks)
    if (r.function == "main" && r.decision == "untouched") {
      remarked = true;
      EXPECT_NE(r.reason.find("speculate"), std::string::npos) << r.reason;
    }
  EXPECT_TRUE(remarked);
}

// @check speculates and returns while still speculating when b is true; a
// hot loop of main calls it. Inlined, that `ret` would become a jump.
const char kReturnWhileSpeculating[] = R"(
@check(x: int, b: bool): int {
  speculate;
  two: int = const 2;
  y: int = mul x two;
  br b .early .late;
.early:
  ret y;
.late:
  commit;
  ret y;
}
@main(n: int, b: bool) {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  v: int = call @check i b;
  s: int = add s v;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(OwnSpeculationTest, CalleeReturningWhileSpeculatingIsNotInlined) {
  expectSameUnderEveryVariant(kReturnWhileSpeculating, "40 false",
                              {"40 false", "40 true", "1 true", "0 true"});
}

// @tick falls off its end while speculating when b is true ("implicit return
// in speculative state").
const char kFallOffWhileSpeculating[] = R"(
@tick(x: int, b: bool) {
  speculate;
  br b .end .ok;
.ok:
  commit;
  print x;
.end:
}
@main(n: int, b: bool) {
  i: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  call @tick i b;
  i: int = add i one;
  jmp .loop;
.done:
}
)";

TEST(OwnSpeculationTest, CalleeFallingOffWhileSpeculatingIsNotInlined) {
  expectSameUnderEveryVariant(kFallOffWhileSpeculating, "30 false",
                              {"30 false", "30 true", "2 true"});
}

// main speculates over a hot loop itself, with a guard that fails on some
// inputs and a call after its commit; its callee is hot and still optimized.
const char kOwnSpeculativeLoop[] = R"(
@sum(n: int): int {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  s: int = add s i;
  i: int = add i one;
  jmp .loop;
.done:
  ret s;
}
@main(n: int, lim: int) {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
  speculate;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  s: int = add s i;
  ok: bool = lt s lim;
  guard ok .slow;
  i: int = add i one;
  jmp .loop;
.done:
  commit;
  t: int = call @sum n;
  print s t;
  ret;
.slow:
  print i;
  t: int = call @sum i;
  print t;
}
)";

TEST(OwnSpeculationTest, GuardOfTheProgramFailsTheSameWay) {
  expectSameUnderEveryVariant(kOwnSpeculativeLoop, "100 1000000",
                              {"100 1000000", "100 50", "100 0", "10 46", "10 45"});
}

TEST(OwnSpeculationTest, CalleesOfAFunctionThatSpeculatesAreStillOptimized) {
  Program p = parseOrDie(kOwnSpeculativeLoop);
  SuperblockPipelineOptions o;
  o.superblocks.forceSpeculation = true;
  Program opt = optimizeOn(p, "100 1000000", o);
  EXPECT_EQ(textOf(*opt.findFunction("main")), textOf(*p.findFunction("main")));
  EXPECT_NE(textOf(*opt.findFunction("sum")), textOf(*p.findFunction("sum")));
}

} // namespace
} // namespace brisk
