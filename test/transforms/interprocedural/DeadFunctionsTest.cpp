// liveInstrCount (transforms/interprocedural/DeadFunctions.h): the size the
// pipeline's program-level growth limit checks, counted without copying the
// program. It must equal the size of a copy that removeUncalledFunctions
// trimmed, whether functions go (uncalled ones, a chain that only an uncalled
// function reaches, a cycle main never enters) or the program is left alone
// (no main, duplicate names), and it must leave the program as it was.
#include "test/analysis/ParseHelper.h"
#include "transforms/interprocedural/DeadFunctions.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::parseOrDie;

// What the pipeline counted before liveInstrCount: a copy, trimmed.
size_t trimmedCopySize(const Program &p) {
  Program live = p;
  removeUncalledFunctions(live);
  return live.instrCount();
}

void expectCountsAsTrimmedCopy(const Program &p) {
  size_t functions = p.functions.size();
  size_t size = p.instrCount();
  EXPECT_EQ(liveInstrCount(p), trimmedCopySize(p));
  EXPECT_EQ(p.functions.size(), functions);
  EXPECT_EQ(p.instrCount(), size);
}

TEST(DeadFunctionsTest, LiveCountLeavesOutWhatMainDoesNotReach) {
  Program p = parseOrDie(R"(
@leaf(x: int): int {
  y: int = add x x;
  ret y;
}
@used(x: int): int {
  y: int = call @leaf x;
  ret y;
}
@onlyFromUnused(x: int): int {
  one: int = const 1;
  y: int = add x one;
  ret y;
}
@unused(x: int): int {
  y: int = call @onlyFromUnused x;
  z: int = call @used y;
  ret z;
}
@ping(x: int): int {
  y: int = call @pong x;
  ret y;
}
@pong(x: int): int {
  y: int = call @ping x;
  ret y;
}
@main(x: int) {
  y: int = call @used x;
  print y;
  z: int = call @missing y;
}
)");
  // main 3 + used 2 + leaf 2; not unused 3, onlyFromUnused 3, ping 2, pong 2.
  EXPECT_EQ(liveInstrCount(p), 7u);
  EXPECT_EQ(p.instrCount(), 17u);
  expectCountsAsTrimmedCopy(p);
}

TEST(DeadFunctionsTest, LiveCountIsTheWholeProgramWhenNothingGoes) {
  Program allCalled = parseOrDie(R"(
@f(x: int): int {
  ret x;
}
@main(x: int) {
  y: int = call @f x;
  z: int = call @f y;
  print z;
}
)");
  EXPECT_EQ(liveInstrCount(allCalled), allCalled.instrCount());
  expectCountsAsTrimmedCopy(allCalled);
  // Left alone: no main; two functions of one name.
  Program noMain = parseOrDie(R"(
@f(x: int): int {
  ret x;
}
@g(x: int): int {
  ret x;
}
)");
  EXPECT_EQ(liveInstrCount(noMain), 2u);
  expectCountsAsTrimmedCopy(noMain);
  Program duplicate = allCalled;
  duplicate.functions.push_back(allCalled.functions[0]);
  Program uncalled = parseOrDie(R"(
@unused(x: int): int {
  ret x;
}
)");
  duplicate.functions.push_back(uncalled.functions[0]);
  EXPECT_EQ(liveInstrCount(duplicate), duplicate.instrCount());
  expectCountsAsTrimmedCopy(duplicate);
  expectCountsAsTrimmedCopy(Program{});
}

} // namespace
} // namespace brisk
