// Post-dominators and control dependence (analysis/PostDominators) on small
// CFGs with several exits and an infinite loop; aggressive DCE removing dead
// branches and side-effect-free loops but keeping loops that may trap; and
// fromSSA placing a phi copy on the one critical edge that needs it.
#include "analysis/CFG.h"
#include "analysis/PostDominators.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "test/transforms/RunHelper.h"
#include "transforms/scalar/AggressiveDCE.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace brisk {
namespace {

using test::blockNamed;
using test::countOp;
using test::parseOrDie;

bool dependsOn(const ControlDependence &cd, BlockId x, BlockId b) {
  const BlockList &d = cd.dependsOn(x);
  return std::find(d.begin(), d.end(), b) != d.end();
}

TEST(PostDominatorsTest, SeveralExitsAndAnInfiniteLoop) {
  Program p = parseOrDie(R"(
@main(a: bool, b: bool) {
.top:
  br a .left .right;
.left:
  br b .ret1 .join;
.ret1:
  ret;
.right:
  jmp .join;
.join:
  br b .spin .out;
.spin:
  jmp .spin;
.out:
  print a;
}
)");
  const Function &f = p.functions[0];
  CFG cfg(f);
  PostDominatorTree pdom(cfg);
  BlockId top = blockNamed(f, "top"), left = blockNamed(f, "left"), ret1 = blockNamed(f, "ret1"),
          right = blockNamed(f, "right"), join = blockNamed(f, "join"),
          spin = blockNamed(f, "spin"), out = blockNamed(f, "out");
  // Two exits (ret and falling off the end) and a loop that never leaves:
  // only the virtual exit post-dominates top.
  EXPECT_EQ(pdom.ipdom(top), kNoBlock);
  EXPECT_EQ(pdom.ipdom(right), join);
  EXPECT_EQ(pdom.ipdom(left), kNoBlock);
  EXPECT_EQ(pdom.ipdom(ret1), kNoBlock);
  EXPECT_EQ(pdom.ipdom(spin), kNoBlock) << "the infinite loop is attached to the virtual exit";
  EXPECT_TRUE(pdom.postDominates(join, right));
  EXPECT_FALSE(pdom.postDominates(join, left));
  EXPECT_TRUE(pdom.postDominates(out, out));

  ControlDependence cd(cfg, pdom);
  EXPECT_TRUE(dependsOn(cd, left, top));
  EXPECT_TRUE(dependsOn(cd, right, top));
  EXPECT_TRUE(dependsOn(cd, ret1, left));
  EXPECT_TRUE(dependsOn(cd, join, left)) << "left may return instead";
  EXPECT_TRUE(dependsOn(cd, join, top));
  EXPECT_TRUE(dependsOn(cd, out, join));
  EXPECT_TRUE(dependsOn(cd, spin, join));
  EXPECT_TRUE(cd.dependsOn(top).empty());
}

TEST(PostDominatorsTest, DiamondJoinPostDominatesBothSides) {
  Program p = parseOrDie(R"(
@main(a: bool) {
  br a .l .r;
.l:
  jmp .j;
.r:
.j:
  print a;
}
)");
  const Function &f = p.functions[0];
  CFG cfg(f);
  PostDominatorTree pdom(cfg);
  BlockId j = blockNamed(f, "j");
  EXPECT_EQ(pdom.ipdom(f.entry()), j);
  EXPECT_EQ(pdom.ipdom(blockNamed(f, "l")), j);
  EXPECT_EQ(pdom.ipdom(blockNamed(f, "r")), j);
  ControlDependence cd(cfg, pdom);
  EXPECT_TRUE(cd.dependsOn(j).empty());
  EXPECT_TRUE(dependsOn(cd, blockNamed(f, "l"), f.entry()));
}

const char *kDeadLoops = R"(
@main(a: int, n: int) {
  i: int = const 0;
  acc: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  acc: int = add acc i;
  big: bool = gt acc a;
  br big .then .else;
.then:
  acc: int = sub acc a;
  jmp .next;
.else:
  acc: int = add acc one;
.next:
  i: int = add i one;
  jmp .loop;
.done:
  k: int = const 1;
.loop2:
  d: bool = lt k n;
  br d .body2 .end;
.body2:
  q: int = div a k;
  k: int = add k one;
  jmp .loop2;
.end:
  print a;
}
)";

TEST(AggressiveDCEControlTest, DeadLoopGoesTrappingLoopStays) {
  Program p = parseOrDie(kDeadLoops);
  for (Function &f : p.functions) {
    toSSA(f);
    EXPECT_TRUE(eliminateDeadCodeAggressively(f));
  }
  EXPECT_EQ(countOp(p, Opcode::Br), 1u) << "only the loop with the div keeps a branch";
  EXPECT_EQ(countOp(p, Opcode::Div), 1u);
  for (Function &f : p.functions)
    fromSSA(f);
  test::RunResult orig = test::runProgram(parseOrDie(kDeadLoops), "3 5");
  test::RunResult opt = test::runProgram(p, "3 5");
  EXPECT_EQ(opt.out, orig.out);
  EXPECT_EQ(opt.status, 0);
  EXPECT_LT(opt.dyn, orig.dyn);
  // The loop with the div still runs (4 instructions per iteration).
  EXPECT_GT(opt.dyn, 5 * 4);
}

TEST(FromSSAEdgeTest, CopyForOneCriticalEdgeStaysOffTheOtherPath) {
  // x's value differs only when the loop goes around; the exit edge of the
  // latch is critical and x is live there, so a copy at the loop top (run on
  // every path) would be the naive placement.
  const char *text = R"(
@main(n: int) {
  x: int = const 0;
  i: int = const 0;
  one: int = const 1;
.head:
  y: int = add x i;
  i: int = add i one;
  c: bool = lt i n;
  br c .again .out;
.again:
  x: int = id y;
  jmp .head;
.out:
  print x y;
}
)";
  Program p = parseOrDie(text);
  for (Function &f : p.functions) {
    toSSA(f);
    fromSSA(f);
  }
  test::RunResult orig = test::runProgram(parseOrDie(text), "10");
  test::RunResult opt = test::runProgram(p, "10");
  EXPECT_EQ(opt.out, orig.out);
  EXPECT_LE(opt.dyn, orig.dyn);
  EXPECT_EQ(countOp(p, Opcode::Id), 1u) << "one copy, on the back edge only";
}

} // namespace
} // namespace brisk
