// ScalarReplacement (transforms/memory/ScalarReplacement.h): which
// allocations become scalars and which stay because brili would fail on them
// (uninitialized read, out of bounds, use after free, double free, a leak, a
// size below one) or because their pointer escapes; that the SSA invariants
// hold after the pass; and that programs, failing ones included, keep what
// they show, in the pass alone and through the whole pipeline.
#include "test/analysis/ParseHelper.h"
#include "test/transforms/Differential.h"
#include "test/transforms/TestSupport.h"
#include "transforms/memory/ScalarReplacement.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;

struct Result {
  Program program; // out of SSA again
  bool changed = false;
};

Result replace(const std::string &text) {
  Result r{parseOrDie(text), false};
  for (Function &f : r.program.functions) {
    EXPECT_TRUE(toSSA(f));
    r.changed |= replaceAllocationsByScalars(f);
  }
  EXPECT_EQ(test::verifySSAMessages(r.program, true), "");
  for (Function &f : r.program.functions)
    fromSSA(f);
  EXPECT_EQ(test::verifyMessages(r.program), "");
  return r;
}

// The program shows the same on every input before and after the pass, and
// never runs more instructions after it.
void expectSame(const std::string &text, const Program &after,
                const std::vector<std::string> &inputs) {
  Program before = parseOrDie(text);
  for (const std::string &in : inputs) {
    test::Outcome a = test::run(before, test::splitArgs(in));
    test::Outcome b = test::run(after, test::splitArgs(in));
    EXPECT_EQ(b.out, a.out) << in;
    EXPECT_EQ(b.ok, a.ok) << in << ": " << b.error << " vs " << a.error;
    EXPECT_EQ(test::errorKind(b.error), test::errorKind(a.error)) << in;
    EXPECT_LE(b.dyn, a.dyn) << in;
  }
}

unsigned memoryOps(const Program &p) {
  return countOp(p, Opcode::Alloc) + countOp(p, Opcode::Free) + countOp(p, Opcode::Load) +
         countOp(p, Opcode::Store) + countOp(p, Opcode::PtrAdd);
}

// Two cells, one through a ptradd: both become values, nothing of the
// allocation is left.
const char *kPair = R"(
@main(n: int) {
  two: int = const 2;
  one: int = const 1;
  p: ptr<int> = alloc two;
  q: ptr<int> = ptradd p one;
  store p n;
  store q one;
  a: int = load p;
  b: int = load q;
  c: int = add a b;
  print c;
  free p;
}
)";

TEST(ScalarReplacementTest, ConstantOffsetsBecomeValues) {
  Result r = replace(kPair);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(memoryOps(r.program), 0u) << toText(r.program);
  expectSame(kPair, r.program, {"5", "-1"});
}

// Stores on two paths meet in a phi.
const char *kBranches = R"(
@main(n: int) {
  one: int = const 1;
  zero: int = const 0;
  p: ptr<int> = alloc one;
  c: bool = lt n zero;
  br c .neg .pos;
.neg:
  m: int = sub zero n;
  store p m;
  jmp .join;
.pos:
  store p n;
.join:
  v: int = load p;
  print v;
  free p;
}
)";

TEST(ScalarReplacementTest, StoresOnTwoPathsMeetInAPhi) {
  Result r = replace(kBranches);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(memoryOps(r.program), 0u) << toText(r.program);
  expectSame(kBranches, r.program, {"4", "-4", "0"});
}

// An accumulator cell read and written every iteration, and a small array
// allocated and freed in every iteration.
const char *kLoops = R"(
@main(n: int) {
  one: int = const 1;
  zero: int = const 0;
  three: int = const 3;
  acc: ptr<int> = alloc one;
  store acc zero;
  i: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  p: ptr<int> = alloc three;
  p1: ptr<int> = ptradd p one;
  p2: ptr<int> = ptradd p1 one;
  store p i;
  store p2 i;
  x: int = load p2;
  y: int = load p;
  z: int = add x y;
  store p1 z;
  w: int = load p1;
  free p;
  s: int = load acc;
  s: int = add s w;
  store acc s;
  i: int = add i one;
  jmp .loop;
.done:
  r: int = load acc;
  print r;
  free acc;
}
)";

TEST(ScalarReplacementTest, LoopCarriedCellAndPerIterationAllocation) {
  Result r = replace(kLoops);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(memoryOps(r.program), 0u) << toText(r.program);
  expectSame(kLoops, r.program, {"0", "1", "7"});
}

// A cell that holds a pointer (to memory that stays), a free through a
// pointer that went away and came back to offset 0, and a read through an
// `id` copy: all of it becomes values.
const char *kPointerCell = R"(
@main(n: int) {
  one: int = const 1;
  two: int = const 2;
  m: int = const -1;
  data: ptr<int> = alloc n;
  store data n;
  box: ptr<ptr<int>> = alloc two;
  far: ptr<ptr<int>> = ptradd box one;
  store far data;
  back: ptr<ptr<int>> = ptradd far m;
  alias: ptr<ptr<int>> = id back;
  store alias data;
  d: ptr<int> = load far;
  v: int = load d;
  print v;
  free back;
  free data;
}
)";

TEST(ScalarReplacementTest, PointerCellsAndOffsetsThatReturnToZero) {
  Result r = replace(kPointerCell);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(countOp(r.program, Opcode::Alloc), 1u) << toText(r.program);
  EXPECT_EQ(countOp(r.program, Opcode::PtrAdd), 0u) << toText(r.program);
  expectSame(kPointerCell, r.program, {"3", "1", "0"});
}

// A trap between alloc and free ends the program before brili's leak check:
// the allocation is replaced and the division still fails where it did.
const char *kTrapBeforeFree = R"(
@main(n: int) {
  one: int = const 1;
  p: ptr<int> = alloc one;
  store p n;
  q: int = div one n;
  v: int = load p;
  print v q;
  free p;
}
)";

TEST(ScalarReplacementTest, ATrapBeforeTheFreeNeedsNoFree) {
  Result r = replace(kTrapBeforeFree);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(memoryOps(r.program), 0u);
  expectSame(kTrapBeforeFree, r.program, {"1", "0"});
}

// Each of these fails (or may fail) under brili because of the allocation
// itself, or lets its pointer escape: the pass leaves it, and the program
// keeps its error.
struct Kept {
  const char *name;
  const char *text;
  std::vector<std::string> inputs;
};

static_assert(kMaxScalarReplacementCells < 17, "the size in 'larger than the limit' below");

const Kept kKept[] = {
    {"read of a cell stored on one path only", R"(
@main(n: int) {
  one: int = const 1;
  zero: int = const 0;
  p: ptr<int> = alloc one;
  c: bool = lt n zero;
  br c .neg .join;
.neg:
  store p n;
.join:
  v: int = load p;
  print v;
  free p;
}
)",
     {"-1", "1"}},
    {"read of another cell than the one stored", R"(
@main(n: int) {
  one: int = const 1;
  two: int = const 2;
  p: ptr<int> = alloc two;
  q: ptr<int> = ptradd p one;
  store p n;
  v: int = load q;
  print v;
  free p;
}
)",
     {"1"}},
    {"a return that leaks", R"(
@main(n: int) {
  one: int = const 1;
  zero: int = const 0;
  p: ptr<int> = alloc one;
  store p n;
  c: bool = lt n zero;
  br c .neg .join;
.neg:
  print n;
  ret;
.join:
  v: int = load p;
  print v;
  free p;
}
)",
     {"-1", "1"}},
    {"no free at all", R"(
@main(n: int) {
  one: int = const 1;
  p: ptr<int> = alloc one;
  store p n;
  v: int = load p;
  print v;
}
)",
     {"1"}},
    {"a store out of bounds", R"(
@main(n: int) {
  two: int = const 2;
  p: ptr<int> = alloc two;
  q: ptr<int> = ptradd p two;
  store p n;
  print n;
  store q n;
  free p;
}
)",
     {"1"}},
    {"a negative offset", R"(
@main(n: int) {
  one: int = const 1;
  m: int = const -1;
  p: ptr<int> = alloc one;
  q: ptr<int> = ptradd p m;
  store p n;
  print n;
  v: int = load q;
  print v;
  free p;
}
)",
     {"1"}},
    {"a load after the free", R"(
@main(n: int) {
  one: int = const 1;
  p: ptr<int> = alloc one;
  store p n;
  free p;
  print n;
  v: int = load p;
  print v;
}
)",
     {"1"}},
    {"a double free on one path", R"(
@main(n: int) {
  one: int = const 1;
  zero: int = const 0;
  p: ptr<int> = alloc one;
  store p n;
  c: bool = lt n zero;
  br c .neg .join;
.neg:
  free p;
.join:
  print n;
  free p;
}
)",
     {"-1", "1"}},
    {"a free of an interior pointer", R"(
@main(n: int) {
  one: int = const 1;
  two: int = const 2;
  p: ptr<int> = alloc two;
  q: ptr<int> = ptradd p one;
  store q n;
  v: int = load q;
  print v;
  free q;
}
)",
     {"1"}},
    {"an allocation of zero cells", R"(
@main(n: int) {
  zero: int = const 0;
  print n;
  p: ptr<int> = alloc zero;
  free p;
}
)",
     {"1"}},
    {"an allocation larger than the limit", R"(
@main(n: int) {
  big: int = const 17;
  p: ptr<int> = alloc big;
  store p n;
  v: int = load p;
  print v;
  free p;
}
)",
     {"1"}},
    {"an allocation of a size not known", R"(
@main(n: int) {
  p: ptr<int> = alloc n;
  store p n;
  v: int = load p;
  print v;
  free p;
}
)",
     {"1", "0", "-2"}},
    {"an allocation in a loop freed after it", R"(
@main(n: int) {
  one: int = const 1;
  i: int = const 0;
.loop:
  p: ptr<int> = alloc one;
  store p i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  v: int = load p;
  print v;
  free p;
}
)",
     {"1", "3"}},
    {"a pointer passed to a call", R"(
@get(p: ptr<int>): int {
  v: int = load p;
  ret v;
}
@main(n: int) {
  one: int = const 1;
  p: ptr<int> = alloc one;
  store p n;
  v: int = call @get p;
  print v;
  free p;
}
)",
     {"1"}},
    {"a pointer stored in memory", R"(
@main(n: int) {
  one: int = const 1;
  p: ptr<int> = alloc one;
  h: ptr<ptr<int>> = alloc n;
  store h p;
  store p n;
  q: ptr<int> = load h;
  v: int = load q;
  print v;
  free p;
  free h;
}
)",
     {"1"}},
    {"a pointer merged by a phi", R"(
@main(n: int) {
  one: int = const 1;
  zero: int = const 0;
  two: int = const 2;
  p: ptr<int> = alloc two;
  q: ptr<int> = ptradd p one;
  store p n;
  store q n;
  c: bool = lt n zero;
  r: ptr<int> = id p;
  br c .neg .join;
.neg:
  r: ptr<int> = id q;
.join:
  v: int = load r;
  print v;
  free p;
}
)",
     {"1", "-1"}},
};

TEST(ScalarReplacementTest, AllocationsBriliMayFailOnStay) {
  for (const Kept &k : kKept) {
    SCOPED_TRACE(k.name);
    Program before = parseOrDie(k.text);
    Result r = replace(k.text);
    EXPECT_FALSE(r.changed);
    EXPECT_EQ(countOp(r.program, Opcode::Alloc), countOp(before, Opcode::Alloc));
    expectSame(k.text, r.program, k.inputs);
  }
}

// The cell allocation stays where it may leak, the other is still replaced.
TEST(ScalarReplacementTest, EachAllocationIsDecidedOnItsOwn) {
  const char *text = R"(
@main(n: int) {
  one: int = const 1;
  zero: int = const 0;
  p: ptr<int> = alloc one;
  q: ptr<int> = alloc one;
  store p n;
  store q n;
  c: bool = lt n zero;
  br c .neg .join;
.neg:
  free q;
  ret;
.join:
  v: int = load p;
  w: int = load q;
  free q;
  print v w;
  free p;
}
)";
  Result r = replace(text);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(countOp(r.program, Opcode::Alloc), 1u);
  expectSame(text, r.program, {"1", "-1"});
}

// brili numbers allocations in order: once `p` is values, `q` is heap base 0
// instead of 1, and its use after free says so. The kind of error is the
// same (test::errorKind blanks the base, as the fuzzer's check does).
TEST(ScalarReplacementTest, ALaterAllocationsErrorNamesAnotherBase) {
  const char *text = R"(
@main(n: int) {
  one: int = const 1;
  p: ptr<int> = alloc one;
  store p n;
  v: int = load p;
  free p;
  q: ptr<int> = alloc one;
  store q v;
  free q;
  print v;
  w: int = load q;
}
)";
  Result r = replace(text);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(countOp(r.program, Opcode::Alloc), 1u);
  test::Outcome a = test::run(parseOrDie(text), {"4"}), b = test::run(r.program, {"4"});
  EXPECT_EQ(a.error, "Uninitialized heap location 1 and/or illegal offset 0");
  EXPECT_EQ(b.error, "Uninitialized heap location 0 and/or illegal offset 0");
  expectSame(text, r.program, {"4"});
}

// Through the whole pipeline, on inputs that fail in every way the
// allocation may: the optimized program shows the same.
TEST(ScalarReplacementTest, PipelineKeepsMemoryErrors) {
  const char *text = R"(
@main(n: int) {
  one: int = const 1;
  zero: int = const 0;
  two: int = const 2;
  i: int = const 0;
  s: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  p: ptr<int> = alloc two;
  q: ptr<int> = ptradd p one;
  store p i;
  store q s;
  a: int = load p;
  b: int = load q;
  d: int = sub i two;
  x: int = div a d;
  s: int = add b x;
  free p;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
  t: ptr<int> = alloc one;
  neg: bool = lt n zero;
  br neg .leak .fine;
.leak:
  ret;
.fine:
  store t s;
  u: int = load t;
  print u;
  free t;
}
)";
  test::expectSameUnderEveryVariant(text, "2", {"0", "2", "6", "-4"});
}

// A hot loop whose accumulator and two-cell pair live in memory, with a
// division that traps in the middle of the loop on some inputs and a read of
// a cell that one path leaves unwritten after it: through every variant of
// the pipeline (speculative loop chunks included) the output before the
// error, the error and the counts' direction stay.
TEST(ScalarReplacementTest, PipelineKeepsTrapsInHotLoopsAndUninitializedReads) {
  const char *text = R"(
@main(n: int, k: int) {
  one: int = const 1;
  two: int = const 2;
  zero: int = const 0;
  acc: ptr<int> = alloc one;
  pair: ptr<int> = alloc two;
  hi: ptr<int> = ptradd pair one;
  store acc zero;
  store pair zero;
  i: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  s: int = load acc;
  lo: int = load pair;
  d: int = sub k i;
  q: int = div n d;
  s: int = add s q;
  lo: int = add lo i;
  store pair lo;
  store acc s;
  m: int = const 7;
  r: int = div i m;
  r: int = mul r m;
  r: int = sub i r;
  z: bool = eq r zero;
  br z .mark .next;
.mark:
  print s lo;
.next:
  i: int = add i one;
  jmp .loop;
.done:
  t: int = load acc;
  print t;
  big: bool = ge t zero;
  br big .set .read;
.set:
  store hi t;
.read:
  h: int = load hi;
  print h;
  free pair;
  free acc;
}
)";
  Program p = parseOrDie(text);
  // The hot loop ran under speculation somewhere.
  test::expectSameUnderEveryVariantAndSpeculation(
      text, "200 1000", {"200 1000", "50 20", "0 0", "30 -1", "5 5"});
  // The cells of `acc` are values in the default pipeline's result; `pair`
  // stays (its high cell may be read unwritten).
  Program o = test::optimizeOn(p, "200 1000", {});
  EXPECT_EQ(countOp(o, Opcode::Alloc), 1u) << toText(o);
}

} // namespace
} // namespace brisk
