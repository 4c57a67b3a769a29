// analysis/MemoryAlias: the alias model's answers on small functions whose
// variables are each defined once (so they are SSA without conversion), and
// functionsThatWriteMemory on call chains, cycles and missing callees.
#include "analysis/MemoryAlias.h"
#include "test/analysis/ParseHelper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace brisk {
namespace {

using test::parseOrDie;

struct Model {
  Program program;
  const Function &f() const { return program.functions.front(); }
  VarId v(const std::string &name) const { return *f().lookupVar(name); }
};

const char *kPointers = R"(
@main(n: int, q: ptr<int>) {
  size: int = const 8;
  one: int = const 1;
  two: int = const 2;
  a: ptr<int> = alloc size;
  b: ptr<int> = alloc size;
  a1: ptr<int> = ptradd a one;
  a2: ptr<int> = ptradd a two;
  a1b: ptr<int> = ptradd a1 one;
  a2c: ptr<int> = id a2;
  an: ptr<int> = ptradd a n;
  an1: ptr<int> = ptradd an one;
  a1n: ptr<int> = ptradd a1 n;
  ann: ptr<int> = ptradd an n;
  b1: ptr<int> = ptradd b one;
  free a;
  free b;
}
)";

TEST(MemoryAliasTest, ConstantOffsetsFromOneBaseAreDistinctCells) {
  Model m{parseOrDie(kPointers)};
  MemoryAlias alias(m.f());
  EXPECT_FALSE(alias.mayAlias(m.v("a1"), m.v("a2")));
  EXPECT_FALSE(alias.mayAlias(m.v("a"), m.v("a1")));
  EXPECT_TRUE(alias.mustAlias(m.v("a1b"), m.v("a2")));
  EXPECT_TRUE(alias.mustAlias(m.v("a2c"), m.v("a2")));
  EXPECT_TRUE(alias.mayAlias(m.v("a1b"), m.v("a2")));
  // One index variable plus constants: a+n+1 and a+1+n are one cell, a+n
  // another.
  EXPECT_TRUE(alias.mustAlias(m.v("an1"), m.v("a1n")));
  EXPECT_FALSE(alias.mayAlias(m.v("an"), m.v("an1")));
  // Unknown offsets from one object may meet.
  EXPECT_TRUE(alias.mayAlias(m.v("an"), m.v("a1")));
  EXPECT_TRUE(alias.mayAlias(m.v("ann"), m.v("an1")));
  EXPECT_FALSE(alias.mustAlias(m.v("an"), m.v("a1")));
}

TEST(MemoryAliasTest, DistinctAllocationsNeverAlias) {
  Model m{parseOrDie(kPointers)};
  MemoryAlias alias(m.f());
  EXPECT_FALSE(alias.mayAlias(m.v("a"), m.v("b")));
  EXPECT_FALSE(alias.mayAlias(m.v("an"), m.v("b1")));
  EXPECT_FALSE(alias.maySameObject(m.v("ann"), m.v("b")));
  EXPECT_TRUE(alias.maySameObject(m.v("ann"), m.v("a")));
  // Neither escapes: a parameter cannot point into them, nor a call reach
  // them.
  EXPECT_FALSE(alias.mayAlias(m.v("q"), m.v("a1")));
  EXPECT_FALSE(alias.callMayTouch(m.v("an")));
  EXPECT_TRUE(alias.callMayTouch(m.v("q")));
}

TEST(MemoryAliasTest, EscapedAllocationsMayBeReachedThroughUnknownPointers) {
  Model m{parseOrDie(R"(
@f(p: ptr<int>) {
}
@main(q: ptr<ptr<int>>) {
  size: int = const 4;
  one: int = const 1;
  a: ptr<int> = alloc size;
  b: ptr<int> = alloc size;
  c: ptr<int> = alloc size;
  d: ptr<int> = alloc size;
  b1: ptr<int> = ptradd b one;
  store q b1;
  call @f c;
  r: ptr<int> = load q;
  print d;
  free a;
  free b;
  free c;
  free d;
}
)")};
  const Function &f = m.program.functions[1];
  auto v = [&](const char *n) { return *f.lookupVar(n); };
  MemoryAlias alias(f);
  // b escapes through the store, c through the call, d through a use the
  // model does not follow; a does not escape.
  EXPECT_TRUE(alias.mayAlias(v("r"), v("b")));
  EXPECT_TRUE(alias.maySameObject(v("r"), v("b1")));
  EXPECT_TRUE(alias.callMayTouch(v("c")));
  EXPECT_TRUE(alias.mayAlias(v("r"), v("d")));
  EXPECT_FALSE(alias.mayAlias(v("r"), v("a")));
  EXPECT_FALSE(alias.callMayTouch(v("a")));
  // Distinct allocations still never alias, escaped or not.
  EXPECT_FALSE(alias.mayAlias(v("b"), v("c")));
  EXPECT_FALSE(alias.isPrivateAllocation(v("b1")));
  EXPECT_TRUE(alias.isPrivateAllocation(v("a")));
}

TEST(MemoryAliasTest, PrivateAllocationIsOneThatOnlyLoadsStoresAndFreesTouch) {
  Model m{parseOrDie(R"(
@main {
  size: int = const 4;
  one: int = const 1;
  a: ptr<int> = alloc size;
  a1: ptr<int> = ptradd a one;
  store a1 one;
  x: int = load a1;
  print x;
  free a;
}
)")};
  MemoryAlias alias(m.f());
  EXPECT_TRUE(alias.isPrivateAllocation(m.v("a1")));
  EXPECT_FALSE(alias.callMayTouch(m.v("a")));
}

TEST(MemoryAliasTest, PointerInductionVariableStaysInItsAllocation) {
  // In SSA: p walks through a; q is a phi of two allocations.
  Model m{parseOrDie(R"(
@main(n: int, c: bool, r: ptr<int>): ptr<int> {
.entry:
  size: int = const 8;
  one: int = const 1;
  a: ptr<int> = alloc size;
  b: ptr<int> = alloc size;
  jmp .loop;
.loop:
  p: ptr<int> = phi a p1 .entry .loop;
  p1: ptr<int> = ptradd p one;
  store p one;
  br c .loop .done;
.done:
  br c .left .right;
.left:
  jmp .join;
.right:
  jmp .join;
.join:
  q: ptr<int> = phi a b .left .right;
  free a;
  ret b;
}
)")};
  MemoryAlias alias(m.f());
  // p and p1 are in a's object, not in b's; a stays private (a phi of its
  // own object is no escape), so a parameter cannot reach p.
  EXPECT_FALSE(alias.mayAlias(m.v("p"), m.v("b")));
  EXPECT_TRUE(alias.maySameObject(m.v("p1"), m.v("a")));
  EXPECT_FALSE(alias.mustAlias(m.v("p"), m.v("p1")));
  EXPECT_FALSE(alias.mayAlias(m.v("p"), m.v("p1")));
  EXPECT_FALSE(alias.mayAlias(m.v("r"), m.v("p1")));
  // q merges two objects: a and b escape through it and it may be either.
  EXPECT_TRUE(alias.maySameObject(m.v("q"), m.v("a")));
  EXPECT_TRUE(alias.maySameObject(m.v("q"), m.v("b")));
  EXPECT_FALSE(alias.isPrivateAllocation(m.v("a")));
}

TEST(MemoryAliasTest, ReturnedAllocationIsPrivateAndNoParameterPointsIntoIt) {
  Model m{parseOrDie(R"(
@main(q: ptr<int>, qq: ptr<ptr<int>>): ptr<int> {
  size: int = const 4;
  a: ptr<int> = alloc size;
  b: ptr<int> = alloc size;
  store qq b;
  r: ptr<int> = load qq;
  ret a;
}
)")};
  MemoryAlias alias(m.f());
  EXPECT_TRUE(alias.isPrivateAllocation(m.v("a")));
  EXPECT_FALSE(alias.callMayTouch(m.v("a")));
  // b escaped through memory: a loaded pointer may reach it, a parameter not.
  EXPECT_TRUE(alias.mayAlias(m.v("r"), m.v("b")));
  EXPECT_FALSE(alias.mayAlias(m.v("q"), m.v("b")));
  EXPECT_TRUE(alias.mayAlias(m.v("q"), m.v("r")));
}

TEST(MemoryAliasTest, IndexPlusConstantIsTheIndexAtAnOffset) {
  Model m{parseOrDie(R"(
@main(j: int) {
  size: int = const 8;
  one: int = const 1;
  two: int = const 2;
  a: ptr<int> = alloc size;
  j1: int = add j one;
  j1c: int = id j1;
  j2: int = add two j;
  j0: int = sub j2 two;
  aj: ptr<int> = ptradd a j;
  aj1: ptr<int> = ptradd a j1c;
  ajp1: ptr<int> = ptradd aj one;
  aj2: ptr<int> = ptradd a j2;
  aj0: ptr<int> = ptradd a j0;
  free a;
}
)")};
  MemoryAlias alias(m.f());
  EXPECT_TRUE(alias.mustAlias(m.v("aj1"), m.v("ajp1")));
  EXPECT_TRUE(alias.mustAlias(m.v("aj0"), m.v("aj")));
  EXPECT_FALSE(alias.mayAlias(m.v("aj"), m.v("aj1")));
  EXPECT_FALSE(alias.mayAlias(m.v("aj1"), m.v("aj2")));
}

} // namespace
} // namespace brisk

namespace brisk {
namespace {

// functionsThatWriteMemory as it was first written: the fixed point of "stores,
// frees or calls a writer or a missing function", rescanning every function
// per round. The worklist version must find the same set.
llvm::StringSet<> writersByRescanning(const Program &program) {
  llvm::StringSet<> writers;
  for (bool changed = true; changed;) {
    changed = false;
    for (const Function &f : program.functions) {
      if (writers.contains(f.name))
        continue;
      bool writes = false;
      for (BlockId b : f.layout)
        for (const Instr &in : f.block(b).instrs)
          writes |= in.op == Opcode::Store || in.op == Opcode::Free ||
                    (in.op == Opcode::Call &&
                     (writers.contains(in.callee) || !program.findFunction(in.callee)));
      if (writes) {
        writers.insert(f.name);
        changed = true;
      }
    }
  }
  return writers;
}

std::vector<std::string> sorted(const llvm::StringSet<> &set) {
  std::vector<std::string> out;
  for (const auto &e : set)
    out.push_back(e.getKey().str());
  std::sort(out.begin(), out.end());
  return out;
}

// Callers listed before their callees (the rescan needs a round per level),
// a cycle that never writes, one that does, a call of a missing function, and
// two functions of one name of which only the second writes.
const char *kCallChains = R"(
@top(p: ptr<int>) {
  call @middle p;
}
@middle(p: ptr<int>) {
  call @bottom p;
}
@bottom(p: ptr<int>) {
  one: int = const 1;
  store p one;
}
@readOnly(p: ptr<int>): int {
  v: int = load p;
  w: int = call @readOnlyToo p;
  ret v;
}
@readOnlyToo(p: ptr<int>): int {
  v: int = call @readOnly p;
  ret v;
}
@loopA(p: ptr<int>) {
  call @loopB p;
}
@loopB(p: ptr<int>) {
  call @loopA p;
  free p;
}
@callsNothingKnown {
  call @nowhere;
}
@callsUnknownCaller {
  call @callsNothingKnown;
}
@twice(p: ptr<int>): int {
  v: int = load p;
  ret v;
}
@twice(p: ptr<int>) {
  free p;
}
@callsTwice(p: ptr<int>) {
  v: int = call @twice p;
}
@main {
  n: int = const 1;
}
)";

TEST(MemoryAliasTest, WritersAreTheCallersOfStoresFreesAndMissingFunctionsTransitively) {
  Program p = parseOrDie(kCallChains);
  llvm::StringSet<> writers = functionsThatWriteMemory(p);
  EXPECT_EQ(sorted(writers),
            (std::vector<std::string>{"bottom", "callsNothingKnown", "callsTwice",
                                      "callsUnknownCaller", "loopA", "loopB", "middle", "top",
                                      "twice"}));
  EXPECT_EQ(sorted(writers), sorted(writersByRescanning(p)));
  Program empty;
  EXPECT_TRUE(functionsThatWriteMemory(empty).empty());
}

} // namespace
} // namespace brisk
