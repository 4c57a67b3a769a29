// transforms/memory/: redundant load elimination, store-to-load forwarding
// and load hoisting. Each test converts a small program to SSA, runs the
// passes (the verifier checks SSA after each), converts back, and runs the
// result against the original on inputs that make it trap: uninitialized
// cells, out of bounds, use after free, zero-trip loops. Then the whole
// pipeline, under every flag variant, on the same programs.
#include "analysis/MemoryAlias.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/BenchPassCheck.h"
#include "test/transforms/Differential.h"
#include "test/transforms/TestSupport.h"
#include "transforms/loops/LICM.h"
#include "transforms/loops/LoopRotation.h"
#include "transforms/memory/LoadHoisting.h"
#include "transforms/memory/LoopCellPromotion.h"
#include "transforms/memory/PointerOffsets.h"
#include "transforms/memory/RedundantLoads.h"
#include "transforms/scalar/AggressiveDCE.h"
#include "transforms/scalar/CopyPropagation.h"
#include "transforms/scalar/SCCP.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/ToSSA.h"
#include "transforms/PassRegistry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;
using test::textOf;

using PassFn = bool (*)(Function &);

// SSA, the passes (verified after each), copy propagation, out of SSA.
Program optimized(const std::string &text, const std::vector<PassFn> &passes,
                  bool *changed = nullptr) {
  Program p = parseOrDie(text);
  for (Function &f : p.functions)
    EXPECT_TRUE(toSSA(f));
  bool any = false;
  for (PassFn pass : passes) {
    for (Function &f : p.functions)
      any |= pass(f);
    EXPECT_EQ(test::verifySSAMessages(p, true), "") << toText(p);
  }
  for (Function &f : p.functions) {
    propagateCopies(f);
    fromSSA(f);
  }
  EXPECT_EQ(test::verifySSAMessages(p, false), "");
  if (changed)
    *changed = any;
  return p;
}

// Same output, status and kind of error on every input; returns the
// dynamic counts summed over the inputs (original, optimized).
std::pair<uint64_t, uint64_t> expectSame(const std::string &text, const Program &after,
                                         const std::vector<std::string> &inputs) {
  Program before = parseOrDie(text);
  uint64_t a = 0, b = 0;
  for (const std::string &in : inputs) {
    test::Outcome x = test::run(before, test::splitArgs(in));
    test::Outcome y = test::run(after, test::splitArgs(in));
    EXPECT_EQ(y.out, x.out) << "input " << in << "\n" << toText(after);
    EXPECT_EQ(y.ok, x.ok) << "input " << in << ": " << y.error << " vs " << x.error;
    EXPECT_EQ(test::errorKind(y.error), test::errorKind(x.error)) << "input " << in;
    a += x.dyn;
    b += y.dyn;
  }
  return {a, b};
}

bool elim(Function &f) { return eliminateRedundantLoads(f); }
bool hoist(Function &f) { return hoistInvariantLoads(f); }
const std::vector<PassFn> kLoadElim = {elim};
const std::vector<PassFn> kHoist = {rotateLoops, hoistLoopInvariants, hoist};

// A store's value reaches the loads after it; the second load of a cell
// reuses the first; a store through another allocation does not get in the
// way, one through an unknown index of the same one does.
const char *kForwarding = R"(
@main(i: int) {
  four: int = const 4;
  one: int = const 1;
  seven: int = const 7;
  a: ptr<int> = alloc four;
  b: ptr<int> = alloc four;
  a1: ptr<int> = ptradd a one;
  store a seven;
  store a1 one;
  store b one;
  x: int = load a;
  y: int = load a1;
  ai: ptr<int> = ptradd a i;
  z: int = load ai;
  w: int = load ai;
  store ai seven;
  u: int = load a;
  print x y z w u;
  free a;
  free b;
}
)";

TEST(RedundantLoadsTest, ForwardsStoresAndReusesLoads) {
  Program p = optimized(kForwarding, kLoadElim);
  // x and y come from the stores, w from z; z (first access through ai) and
  // u (after a store that may alias a) stay.
  EXPECT_EQ(countOp(p, Opcode::Load), 2u) << toText(p);
  auto [a, b] = expectSame(kForwarding, p, {"0", "1", "3", "2", "4", "-1"});
  EXPECT_LT(b, a);
}

// The first load of an uninitialized or out-of-bounds cell traps and stays;
// only a later one of the same cell goes.
const char *kTraps = R"(
@main(i: int, j: int) {
  four: int = const 4;
  a: ptr<int> = alloc four;
  store a four;
  p: ptr<int> = ptradd a i;
  x: int = load p;
  print x;
  y: int = load p;
  q: ptr<int> = ptradd a j;
  store q four;
  z: int = load p;
  print y z;
  free a;
}
)";

TEST(RedundantLoadsTest, KeepsTheLoadThatTraps) {
  Program p = optimized(kTraps, kLoadElim);
  // y reuses x; z stays (q may be p).
  EXPECT_EQ(countOp(p, Opcode::Load), 2u) << toText(p);
  expectSame(kTraps, p, {"0 0", "0 1", "1 0", "1 1", "4 0", "-1 0", "0 9", "2 2"});
}

// After a free, the load of the freed cell must still fail; after a call,
// an escaped allocation must be read again; a private one need not.
const char *kFreeAndCall = R"(
@touch(p: ptr<int>) {
  nine: int = const 9;
  store p nine;
}
@main(k: int) {
  two: int = const 2;
  one: int = const 1;
  a: ptr<int> = alloc two;
  b: ptr<int> = alloc two;
  c: ptr<int> = alloc two;
  store a one;
  store b one;
  store c one;
  call @touch b;
  x: int = load a;
  y: int = load b;
  print x y;
  zero: int = const 0;
  cond: bool = gt k zero;
  br cond .freeing .keeping;
.freeing:
  free c;
  jmp .after;
.keeping:
  jmp .after;
.after:
  z: int = load c;
  print z;
  free a;
  free b;
  cond2: bool = gt k zero;
  br cond2 .done .late;
.late:
  free c;
.done:
}
)";

TEST(RedundantLoadsTest, FreesAndCallsForgetWhatTheyMayTouch) {
  Program p = optimized(kFreeAndCall, kLoadElim);
  // x forwarded (a is private), y reloaded (b escaped into the call), z
  // reloaded (c may be freed on one path).
  EXPECT_EQ(countOp(p, Opcode::Load), 2u) << toText(p);
  expectSame(kFreeAndCall, p, {"0", "1"});
}

// A loop reading an invariant cell: the load moves to the preheader, and a
// loop that runs zero times does not read it (here the cell is
// uninitialized unless s > 0, so a hoist above the guard would trap).
const char *kInvariantLoad = R"(
@main(n: int, s: int) {
  four: int = const 4;
  zero: int = const 0;
  one: int = const 1;
  a: ptr<int> = alloc four;
  b: ptr<int> = alloc four;
  store b zero;
  init: bool = gt s zero;
  br init .set .go;
.set:
  store a s;
.go:
  i: int = const 0;
  acc: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  v: int = load a;
  acc: int = add acc v;
  bi: ptr<int> = ptradd b zero;
  store bi acc;
  i: int = add i one;
  jmp .loop;
.done:
  r: int = load b;
  print acc r;
  free a;
  free b;
}
)";

TEST(LoadHoistingTest, HoistsInvariantLoadAboveTheLoopNotAboveItsGuard) {
  bool changed = false;
  Program p = optimized(kInvariantLoad, kHoist, &changed);
  EXPECT_TRUE(changed);
  auto [a, b] = expectSame(kInvariantLoad, p, {"0 0", "0 5", "3 5", "3 0", "100 2", "1 -1"});
  // One load per entry instead of one per iteration.
  EXPECT_LE(b + 90, a);
}

// Not hoisted: a store in the loop may alias the load's cell; a print runs
// before the load (the error would lose its output); the load sits after
// an inner loop that may run forever. (With spin < 0, b is uninitialized:
// the original prints 0 before its error.)
const char *kNotHoisted = R"(
@main(n: int, j: int, spin: int) {
  four: int = const 4;
  zero: int = const 0;
  one: int = const 1;
  a: ptr<int> = alloc four;
  b: ptr<int> = alloc four;
  aj: ptr<int> = ptradd a j;
  store a zero;
  init: bool = ge spin zero;
  br init .initb .start;
.initb:
  store b one;
.start:
  i: int = const 0;
  acc: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  print i;
  v: int = load b;
  acc: int = add acc v;
  k: int = const 0;
.spin:
  more: bool = lt k spin;
  br more .again .out;
.again:
  jmp .spin;
.out:
  w: int = load a;
  store aj acc;
  acc: int = add acc w;
  i: int = add i one;
  jmp .loop;
.done:
  print acc;
  free a;
  free b;
}
)";

TEST(LoadHoistingTest, LeavesLoadsThatMustRunInTheLoop) {
  Program p = optimized(kNotHoisted, kHoist);
  Program q = parseOrDie(kNotHoisted);
  // Both loads still run inside the loop: compare per-iteration counts.
  expectSame(kNotHoisted, p, {"0 0 0", "1 0 0", "2 0 0", "2 1 0", "3 5 0", "2 0 -1", "0 0 -1"});
  EXPECT_EQ(countOp(p, Opcode::Load), countOp(q, Opcode::Load));
}

// A call of a function that never stores or frees, itself or through its
// calls, forgets nothing: the load after @peek is forwarded and the load of
// b in the loop that calls it hoisted; @poke stores through @set, so the
// load after it stays.
const char *kReadOnlyCallee = R"(
@peek(p: ptr<int>): int {
  v: int = load p;
  ret v;
}
@set(p: ptr<int>, v: int) {
  store p v;
}
@poke(p: ptr<int>) {
  one: int = const 1;
  call @set p one;
}
@main(n: int) {
  two: int = const 2;
  one: int = const 1;
  a: ptr<int> = alloc two;
  b: ptr<int> = alloc two;
  store a two;
  x: int = call @peek a;
  y: int = load a;
  call @poke a;
  z: int = load a;
  print x y z;
  call @set b n;
  i: int = const 0;
  s: int = const 0;
.loop:
  w: int = load b;
  u: int = call @peek b;
  s: int = add s w;
  s: int = add s u;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s;
  free a;
  free b;
}
)";

TEST(RedundantLoadsTest, CallsOfFunctionsThatNeverWriteForgetNothing) {
  Program p = parseOrDie(kReadOnlyCallee);
  llvm::StringSet<> writers = functionsThatWriteMemory(p);
  EXPECT_TRUE(writers.contains("set"));
  EXPECT_TRUE(writers.contains("poke"));
  EXPECT_FALSE(writers.contains("peek"));
  Function &main = *p.findFunction("main");
  ASSERT_TRUE(toSSA(main));
  unsigned before = countOp(main, Opcode::Load);
  EXPECT_TRUE(eliminateRedundantLoads(main, &writers));
  // y is the stored 2; z stays, and so does w (b was written by a call).
  EXPECT_EQ(countOp(main, Opcode::Load), before - 1) << textOf(main);
  EXPECT_TRUE(hoistInvariantLoads(main, &writers));
  EXPECT_EQ(test::verifySSAMessages(p, true), "") << toText(p);
  propagateCopies(main);
  fromSSA(main);
  expectSame(kReadOnlyCallee, p, {"1", "5"});
  // Without the writers, the call in the loop keeps the load there.
  Program q = optimized(kReadOnlyCallee, kHoist);
  test::Outcome hoisted = test::run(p, {"50"}), kept = test::run(q, {"50"});
  EXPECT_LT(hoisted.dyn + 40, kept.dyn);
}

bool promote(Function &f) { return promoteLoopCells(f); }
const std::vector<PassFn> kPromote = {rotateLoops, hoistLoopInvariants, promote};

// acc[k] += a[i] over i: the cell acc+k is stored before the loop, so the
// loop needs neither its load nor its store; one store on the exit. With
// k out of bounds the store before the loop traps, as before; a[i] is read
// uninitialized when i reaches `filled`.
const char *kAccumulator = R"(
@main(n: int, k: int, filled: int) {
  eight: int = const 8;
  zero: int = const 0;
  one: int = const 1;
  a: ptr<int> = alloc eight;
  acc: ptr<int> = alloc eight;
  i: int = const 0;
.fill:
  more: bool = lt i filled;
  br more .put .filled;
.put:
  ai: ptr<int> = ptradd a i;
  store ai i;
  i: int = add i one;
  jmp .fill;
.filled:
  cell: ptr<int> = ptradd acc k;
  store cell zero;
  i: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  aj: ptr<int> = ptradd a i;
  v: int = load aj;
  s: int = load cell;
  s: int = add s v;
  store cell s;
  i: int = add i one;
  jmp .loop;
.done:
  r: int = load cell;
  print r;
  free a;
  free acc;
}
)";

TEST(LoopCellPromotionTest, AccumulatorInMemoryLivesInAValue) {
  bool changed = false;
  Program p = optimized(kAccumulator, kPromote, &changed);
  EXPECT_TRUE(changed);
  auto [a, b] = expectSame(kAccumulator, p,
                           {"0 0 8", "1 0 8", "8 3 8", "8 7 8", "8 8 8", "8 -1 8", "5 2 3",
                            "0 2 0"});
  // Two instructions fewer per iteration (the load and the store of the
  // cell), over 1 + 8 + 8 + 5 iterations, against one store per exit.
  EXPECT_LE(b + 30, a) << toText(p);
}

// The cell is first read in the loop itself (its load moves to the
// preheader, where the first iteration ran it); an early exit on the way
// takes the value of its own path. With m out of bounds, or the cell never
// written (w = 0), the first load fails as it did.
const char *kHeaderLoad = R"(
@main(n: int, m: int, w: int, stop: int) {
  four: int = const 4;
  one: int = const 1;
  zero: int = const 0;
  a: ptr<int> = alloc four;
  cell: ptr<int> = ptradd a m;
  init: bool = gt w zero;
  br init .write .start;
.write:
  store a w;
.start:
  i: int = const 0;
.loop:
  x: int = load cell;
  x: int = add x i;
  store cell x;
  hit: bool = eq i stop;
  br hit .out .next;
.next:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.out:
  y: int = load cell;
  print y;
.done:
  z: int = load a;
  print z;
  free a;
}
)";

TEST(LoopCellPromotionTest, FirstLoadOfTheHeaderMovesToThePreheader) {
  bool changed = false;
  Program p = optimized(kHeaderLoad, kPromote, &changed);
  EXPECT_TRUE(changed);
  auto [a, b] = expectSame(kHeaderLoad, p,
                           {"5 0 1 -1", "5 0 1 2", "1 0 3 -1", "5 0 0 -1", "5 4 1 -1",
                            "5 -1 1 9", "30 0 2 -1"});
  EXPECT_LT(b, a) << toText(p);
}

// Left alone: a store through an unknown index of the same allocation may
// hit the cell; a call that may read it; a free in the loop.
const char *kNotPromoted = R"(
@peek(p: ptr<int>): int {
  v: int = load p;
  ret v;
}
@main(n: int, j: int) {
  four: int = const 4;
  zero: int = const 0;
  one: int = const 1;
  a: ptr<int> = alloc four;
  b: ptr<int> = alloc four;
  store a zero;
  store b zero;
  aj: ptr<int> = ptradd a j;
  i: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  x: int = load a;
  x: int = add x i;
  store a x;
  store aj i;
  y: int = load b;
  y: int = add y x;
  store b y;
  u: int = call @peek b;
  print u;
  i: int = add i one;
  jmp .loop;
.done:
  x: int = load a;
  y: int = load b;
  print x y;
  free a;
  free b;
}
)";

TEST(LoopCellPromotionTest, LeavesCellsSomethingElseMayReach) {
  bool changed = true;
  Program p = optimized(kNotPromoted, kPromote, &changed);
  Program q = parseOrDie(kNotPromoted);
  EXPECT_EQ(countOp(p, Opcode::Store), countOp(q, Opcode::Store)) << toText(p);
  EXPECT_EQ(countOp(p, Opcode::Load), countOp(q, Opcode::Load)) << toText(p);
  expectSame(kNotPromoted, p, {"0 0", "3 0", "3 1", "3 4", "2 -1"});
}

// A row of cells at constant offsets, filled on one path and read on
// others: a pointer takes its neighbour only where that neighbour's
// definition dominates it (never from the other arm of a branch), and the
// rewritten pointers name the same cells: out-of-bounds reads (k past the
// end) and uninitialized cells fail as before.
const char *kOffsets = R"(
@main(k: int, c: bool) {
  six: int = const 6;
  one: int = const 1;
  a: ptr<int> = alloc six;
  i: int = const 0;
  p: ptr<int> = ptradd a i;
  store p k;
  br c .fill .skip;
.fill:
  i: int = add i one;
  p: ptr<int> = ptradd a i;
  store p i;
  i: int = add i one;
  p: ptr<int> = ptradd a i;
  store p i;
  jmp .read;
.skip:
  i: int = const 2;
  p: ptr<int> = ptradd a i;
  store p k;
.read:
  two: int = const 2;
  q: ptr<int> = ptradd a two;
  x: int = load q;
  three: int = const 3;
  r: ptr<int> = ptradd a three;
  r: ptr<int> = ptradd r k;
  y: int = load r;
  print x y;
  free a;
}
)";

bool offsets(Function &f) { return rebasePointerOffsets(f); }

TEST(PointerOffsetsTest, PointersStepFromDominatingNeighbours) {
  bool changed = false;
  Program p = optimized(kOffsets, {propagateConstants, offsets, eliminateDeadCodeAggressively},
                        &changed);
  EXPECT_TRUE(changed);
  auto [a, b] = expectSame(kOffsets, p,
                           {"-3 true", "-2 true", "-1 false", "0 true", "2 false", "3 true",
                            "-4 true"});
  EXPECT_LT(b, a) << toText(p);
  // a+2 in .read comes from neither arm's pointer (neither dominates it).
  for (BlockId blk : p.functions[0].layout)
    for (const Instr &in : p.functions[0].block(blk).instrs)
      if (in.op == Opcode::Load) {
        EXPECT_TRUE(in.args.size() == 1);
      }
}

// A function without memory instructions, laid out before the one that has
// them: the memory facts are per function, by position.
const char *kNoMemory = R"(
@quiet(n: int): int {
  i: int = const 0;
  one: int = const 1;
.loop:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  ret i;
}
)";

TEST(MemoryFactsTest, OneWalkFindsEachFunctionsMemoryInstructions) {
  Program p = parseOrDie(std::string(kNoMemory) + kOffsets + R"(
@reader(p: ptr<int>): int {
  v: int = load p;
  ret v;
}
)");
  MemoryFacts facts = findMemoryFacts(p);
  ASSERT_EQ(facts.ops.size(), 3u);
  EXPECT_FALSE(facts.ops[0].alloc || facts.ops[0].load || facts.ops[0].store ||
               facts.ops[0].ptrAdd);
  EXPECT_TRUE(facts.ops[1].alloc && facts.ops[1].load && facts.ops[1].store &&
              facts.ops[1].ptrAdd);
  EXPECT_TRUE(facts.ops[2].load);
  EXPECT_FALSE(facts.ops[2].alloc || facts.ops[2].store || facts.ops[2].ptrAdd);
  EXPECT_EQ(facts.writers.size(), 1u);
  EXPECT_TRUE(facts.writers.contains("main"));
}

// The memory passes with the shared facts (PassContext::shareMemoryOps) do
// what they do when each looks for itself: the function with loads, stores
// and ptradds still gets them (it comes second, after one without any);
// with facts that say it has none, the passes leave it alone, so they do
// go by the facts.
TEST(MemoryFactsTest, SharedFactsSkipOnlyFunctionsWithoutMemoryInstructions) {
  const std::vector<const PassInfo *> passes = {&kScalarReplacementPass, &kRedundantLoadsPass,
                                                &kLoadHoistingPass, &kCellPromotionPass,
                                                &kPointerOffsetsPass};
  // The program after to-ssa and the memory passes: sharing the facts the
  // walk found (`walked`), none, or the given `ops`.
  auto run = [&](const char *text, bool walked, const std::vector<MemoryOps> *ops) {
    Program p = parseOrDie(std::string(kNoMemory) + text);
    PassOptions o;
    o.validate = true;
    PassContext ctx(o);
    runPass(p, ctx, kToSSAPass);
    MemoryFacts facts = findMemoryFacts(p);
    if (walked)
      ctx.shareMemoryOps(&facts.ops);
    else if (ops)
      ctx.shareMemoryOps(ops);
    for (const PassInfo *pass : passes)
      runPass(p, ctx, *pass);
    EXPECT_FALSE(ctx.failed());
    return toText(p);
  };
  const std::vector<MemoryOps> none(2);
  for (const char *text : {kForwarding, kInvariantLoad, kAccumulator, kOffsets}) {
    std::string own = run(text, false, nullptr);
    EXPECT_EQ(run(text, true, nullptr), own);
    EXPECT_NE(run(text, false, &none), own) << own;
  }
}

// Every shared benchmark through the memory passes: same output and exit
// status on its shipped arguments.
TEST(MemoryBenchTest, EveryBenchmarkKeepsItsOutput) {
  test::expectBenchmarksKeepOutput({"to-ssa,sccp,copy-prop,adce,simplify-cfg,loop-rotate,licm,gvn,"
                                    "load-elim,hoist-loads,licm,promote-cells,gvn,ptr-offsets,"
                                    "sccp,copy-prop,adce,from-ssa"});
}

// The whole pipeline, under every flag variant, on the programs above,
// trained on an input that runs cleanly and tested on trapping ones.
TEST(MemoryDifferentialTest, PipelineKeepsMemoryErrors) {
  test::expectSameUnderEveryVariant(kForwarding, "1", {"0", "1", "3", "4", "-1"});
  test::expectSameUnderEveryVariant(kTraps, "0 0", {"0 0", "1 0", "4 0", "0 9", "2 2"});
  test::expectSameUnderEveryVariant(kFreeAndCall, "0", {"0", "1"});
  test::expectSameUnderEveryVariant(kInvariantLoad, "50 3", {"0 0", "3 0", "100 2", "1 -1"});
  test::expectSameUnderEveryVariant(kReadOnlyCallee, "20", {"1", "3"});
  test::expectSameUnderEveryVariant(kNotHoisted, "20 1 0", {"0 0 0", "2 1 0", "3 5 0", "2 0 -1"});
  test::expectSameUnderEveryVariant(kAccumulator, "8 3 8", {"0 0 8", "8 8 8", "5 2 3", "8 -1 8"});
  test::expectSameUnderEveryVariant(kHeaderLoad, "30 0 2 -1",
                                    {"5 0 1 2", "5 0 0 -1", "5 4 1 -1", "1 0 3 -1"});
  test::expectSameUnderEveryVariant(kNotPromoted, "20 1", {"0 0", "3 1", "3 4", "2 -1"});
  test::expectSameUnderEveryVariant(kOffsets, "-1 true", {"-3 true", "-1 false", "2 false", "3 true"});
}

} // namespace
} // namespace brisk
