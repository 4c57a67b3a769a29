// MaySpeculate (analysis/MaySpeculate.h): which instructions may run while
// the function's own speculation is active.
#include "analysis/MaySpeculate.h"
#include "test/analysis/ParseHelper.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::blockNamed;
using test::parseOrDie;

TEST(MaySpeculateTest, PlainFunctionNeverSpeculates) {
  Program p = parseOrDie("@main { x: int = const 1; print x; }");
  MaySpeculate m(p.functions[0]);
  EXPECT_FALSE(m.usesSpeculation());
  EXPECT_FALSE(m.at(p.functions[0].layout[0], 1));
}

TEST(MaySpeculateTest, BetweenSpeculateAndCommitOnSomePath) {
  Program p = parseOrDie(R"(
@f(b: bool) {
.top:
  x: int = const 1;
  br b .enter .join;
.enter:
  speculate;
.join:
  print x;
  br b .leave .after;
.leave:
  commit;
.after:
  print x;
}
)");
  const Function &f = p.functions[0];
  MaySpeculate m(f);
  EXPECT_TRUE(m.usesSpeculation());
  EXPECT_FALSE(m.at(blockNamed(f, "top"), 0));
  EXPECT_FALSE(m.at(blockNamed(f, "enter"), 0)); // before the speculate
  EXPECT_TRUE(m.at(blockNamed(f, "join"), 0));   // one path speculates
  EXPECT_TRUE(m.at(blockNamed(f, "leave"), 0));
  // .after is reached from .leave (committed) and from .join with b false:
  // the analysis is path-insensitive, so "may".
  EXPECT_TRUE(m.at(blockNamed(f, "after"), 0));
}

TEST(MaySpeculateTest, CommitEndsItAndGuardFailureMayStillSpeculate) {
  Program p = parseOrDie(R"(
@f(b: bool) {
  speculate;
  speculate;
  guard b .rec;
  commit;
.done:
  print b;
  ret;
.rec:
  print b;
}
)");
  const Function &f = p.functions[0];
  MaySpeculate m(f);
  EXPECT_FALSE(m.at(f.layout[0], 0));
  EXPECT_TRUE(m.at(f.layout[0], 2));
  EXPECT_FALSE(m.at(blockNamed(f, "done"), 0)); // after commit
  EXPECT_TRUE(m.at(blockNamed(f, "rec"), 0));   // the outer level is still on
}

// The shape superblock formation writes: one level, guards back to the
// original code. A failed guard ends the speculation, so the recovery code
// (a call there is fine) does not speculate.
TEST(MaySpeculateTest, FailedGuardOfOneLevelReturnsToPlainCode) {
  Program p = parseOrDie(R"(
@f(b: bool) {
.sb:
  speculate;
  guard b .orig;
  commit;
  jmp .done;
.orig:
  print b;
.done:
  print b;
}
)");
  const Function &f = p.functions[0];
  MaySpeculate m(f);
  EXPECT_TRUE(m.at(blockNamed(f, "sb"), 1));
  EXPECT_FALSE(m.at(blockNamed(f, "orig"), 0));
  EXPECT_FALSE(m.at(blockNamed(f, "done"), 0));
}

} // namespace
} // namespace brisk
