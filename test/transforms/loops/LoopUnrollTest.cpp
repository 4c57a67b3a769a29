// Counted-loop unrolling (transforms/loops/LoopUnroll.h): the loops it matches and
// the ones it must leave alone, the chunk shape (K body copies, one test per
// chunk, one stride add when the counter is read by nothing else), exact
// behaviour on every trip count around the chunk size and at the wrap-around
// edge of int for each shape (lt/le/eq exits, compare before or after the
// update, up- and down-counting, bodies with an if/else, nested loops), with
// the verifier after each, the profile threshold, and every shared benchmark through the
// whole `brisk opt` pipeline (which unrolls) on its shipped and held-out
// inputs: same output, never more instructions where profiled, at most 1.05x
// on held-out inputs, and no function above 2.0x its original size.
// Programs run in-process.
#include "interp/Interpreter.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/Differential.h"
#include "test/transforms/TestSupport.h"
#include "transforms/loops/CopyUnroll.h"
#include "transforms/loops/LoopUnroll.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace brisk {
namespace {

using test::blockNamed;
using test::manifest;
using test::parseOrDie;
using test::Bench;
using test::Outcome;
using test::run;
using test::splitArgs;

size_t countOps(const Function &f, Opcode op, std::optional<VarId> dest = std::nullopt) {
  size_t n = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      n += in.op == op && (!dest || in.dest == *dest);
  return n;
}

// Sums 0..n-1 in a do-while loop; prints the sum and the final counter.
const char *kSum = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
.loop:
  s: int = add s i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s i;
}
)";

// A loop that only a guard's failure reaches: the unroller's CFG has the
// guard's edge (its walk of the instructions saw the guard), so the loop is
// reachable and unrolled like any other.
const char *kLoopBehindAGuard = R"(
@main(n: int) {
  speculate;
  ok: bool = lt n n;
  guard ok .slow;
  commit;
  print n;
  ret;
.slow:
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
.loop:
  s: int = add s i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s i;
}
)";

TEST(LoopUnrollTest, LoopReachedOnlyThroughAGuardIsUnrolled) {
  Program p = parseOrDie(kLoopBehindAGuard);
  Function &f = p.functions[0];
  ASSERT_TRUE(unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4}));
  EXPECT_EQ(countOps(f, Opcode::Add, *f.lookupVar("s")), 5u);
}

// Copy-unroll's first walk (a copy somewhere, no phi, set, get or
// speculation): a loop with a copy unrolls; not once the function also
// speculates, nor without the copy.
std::string copyLoop(const std::string &entry, const std::string &copy) {
  return "@main(a: int) {\n" + entry + R"(  two: int = const 2;
  zero: int = const 0;
  bits: int = const 0;
.loop:
  q: int = div a two;
  q2: int = mul q two;
  r: int = sub a q2;
  bits: int = add bits r;
)" + copy + R"(  more: bool = gt a zero;
  br more .loop .done;
.done:
  print bits;
}
)";
}

TEST(CopyUnrollTest, OnlyAPlainFunctionWithACopyInALoopUnrolls) {
  Program plain = parseOrDie(copyLoop("", "  a: int = id q;\n"));
  EXPECT_TRUE(unrollForCoalescing(plain.functions[0], nullptr));
  Program speculates = parseOrDie(copyLoop("  speculate;\n  commit;\n", "  a: int = id q;\n"));
  EXPECT_FALSE(unrollForCoalescing(speculates.functions[0], nullptr));
  Program noCopy = parseOrDie(copyLoop("", "  a: int = add q zero;\n"));
  EXPECT_FALSE(unrollForCoalescing(noCopy.functions[0], nullptr));
}

TEST(LoopUnrollTest, SumLoopGetsFourCopiesAndOneTestPerChunk) {
  Program p = parseOrDie(kSum);
  Function &f = p.functions[0];
  ASSERT_TRUE(unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4}));
  VarId s = *f.lookupVar("s");
  // Four copies in the chunk plus the original (the remainder loop).
  EXPECT_EQ(countOps(f, Opcode::Add, s), 5u);
  // The copies' comparisons are gone: left are the entry test's two (no
  // wrap-around, enough trips), the chunk test, the exit's copy of the
  // original comparison and the original's.
  EXPECT_EQ(countOps(f, Opcode::Lt), 5u);
  Program orig = parseOrDie(kSum);
  for (const char *n : {"-9223372036854775807", "-9223372036854775808", "-5", "0", "1", "2",
                        "3", "4", "5", "7", "8", "9", "100"}) {
    SCOPED_TRACE(n);
    Outcome a = run(orig, {n}), b = run(p, {n});
    EXPECT_TRUE(b.ok);
    EXPECT_EQ(a.out, b.out);
  }
  EXPECT_LT(run(p, {"100"}).dyn, run(orig, {"100"}).dyn * 3 / 4);
}

// The counter is read only by its update and the test: one stride add per
// chunk. The bound is a known constant: no wrap-around test at run time.
TEST(LoopUnrollTest, CounterOnlyCountingBecomesOneStrideAdd) {
  const char *text = R"(
@main(x: int) {
  i: int = const 3;
  two: int = const 2;
  n: int = const 50;
  s: int = const 0;
.loop:
  s: int = add s x;
  i: int = add two i;
  c: bool = ge i n;
  br c .done .loop;
.done:
  print s i;
}
)";
  Program p = parseOrDie(text);
  Function &f = p.functions[0];
  ASSERT_TRUE(unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 8}));
  VarId i = *f.lookupVar("i");
  EXPECT_EQ(countOps(f, Opcode::Add, i), 2u); // the original's and the chunk's stride
  EXPECT_EQ(countOps(f, Opcode::And), 0u);    // no run-time wrap-around test
  Program orig = parseOrDie(text);
  Outcome a = run(orig, {"7"}), b = run(p, {"7"});
  EXPECT_EQ(a.out, b.out);
  EXPECT_LT(b.dyn, a.dyn);
}

TEST(LoopUnrollTest, LeavesLoopsItCannotProveAlone) {
  const char *variableStep = R"(
@main(n: int, step: int) {
  i: int = const 0;
.loop:
  i: int = add i step;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *boundWritten = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  i: int = add i one;
  n: int = sub n one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *conditionReadInBody = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  c: bool = const true;
.loop:
  print c;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *decreasing = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const -1;
.loop:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  for (const char *text : {variableStep, boundWritten, conditionReadInBody, decreasing}) {
    Program p = parseOrDie(text);
    EXPECT_FALSE(unrollCountedLoops(p.functions[0], nullptr)) << text;
  }
}

// With a profile, a loop that runs few times per entry is left alone.
TEST(LoopUnrollTest, ProfileDecidesTheFactor) {
  Program p = parseOrDie(kSum);
  Function &f = p.functions[0];
  BlockId loop = blockNamed(f, "loop");
  FunctionWeights w;
  w.entryCount = 10;
  w.setBlock(f.entry(), 10);
  w.setBlock(loop, 20); // two trips per entry
  w.setEdge(loop, loop, 10);
  EXPECT_FALSE(unrollCountedLoops(f, &w));
  w.setBlock(loop, 100); // ten trips per entry: K = 2 (3 x K <= 10)
  w.setEdge(loop, loop, 90);
  ASSERT_TRUE(unrollCountedLoops(f, &w));
  EXPECT_EQ(countOps(f, Opcode::Add, *f.lookupVar("s")), 3u);
}

// Unrolls `text` profile-free by `k` and checks the result verifies, changed
// (or not, as `expectUnrolled` says), and on every argument list prints the
// same as the original, never costs more than the entry test (7
// instructions, `slack` for loops entered more than once), and saves on the
// last list (many trips).
//
// Program text and arguments are read as doubles (as the reference
// interpreter reads them), so values beyond 2^53 cannot be passed directly: a
// program starting `@main(start: int, n: int` gets both as an offset and a
// multiple of 2^62 to add (start = s0 + ss * 2^62, wrapping), and each of the
// first two arguments is split that way.
std::string widen(std::string text) {
  const std::string head = "@main(start: int, n: int";
  size_t at = text.find(head);
  if (at == std::string::npos)
    return text;
  text.replace(at, head.size(), "@main(s0: int, ss: int, n0: int, ns: int");
  size_t body = text.find("{\n", at) + 2;
  text.insert(body, "  hi: int = const 4611686018427387904;\n"
                    "  t0: int = mul ss hi;\n  start: int = add s0 t0;\n"
                    "  t1: int = mul ns hi;\n  n: int = add n0 t1;\n");
  return text;
}

std::vector<std::string> widenArgs(const std::vector<std::string> &args) {
  std::vector<std::string> out;
  for (size_t a = 0; a < args.size(); ++a) {
    if (a >= 2) {
      out.push_back(args[a]);
      continue;
    }
    int64_t v = std::stoll(args[a]);
    bool far = v > (int64_t(1) << 53) || v < -(int64_t(1) << 53);
    // v = off + 2 * 2^62 (mod 2^64) when far.
    int64_t off = far ? int64_t(uint64_t(v) + (uint64_t(1) << 63)) : v;
    out.push_back(std::to_string(off));
    out.push_back(far ? "2" : "0");
  }
  return out;
}

void expectSameBehaviour(const char *source, unsigned k,
                         const std::vector<std::vector<std::string>> &argLists,
                         bool expectUnrolled = true, uint64_t slack = 7) {
  std::string text = widen(source);
  bool wide = text != source;
  Program orig = parseOrDie(text);
  Program p = parseOrDie(text);
  bool changed = false;
  for (Function &f : p.functions)
    changed |= unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = k});
  ASSERT_EQ(changed, expectUnrolled);
  EXPECT_EQ(test::verifyMessages(p), "");
  for (size_t a = 0; a < argLists.size(); ++a) {
    std::string shown;
    for (const std::string &s : argLists[a])
      shown += s + " ";
    SCOPED_TRACE("args: " + shown);
    std::vector<std::string> args = wide ? widenArgs(argLists[a]) : argLists[a];
    Outcome before = run(orig, args), after = run(p, args);
    EXPECT_TRUE(before.ok);
    EXPECT_EQ(before.ok, after.ok);
    EXPECT_EQ(before.out, after.out);
    EXPECT_LE(after.dyn, before.dyn + slack);
    if (expectUnrolled && a + 1 == argLists.size()) {
      EXPECT_LT(after.dyn, before.dyn);
    }
  }
}

const std::string kMax = "9223372036854775807", kMin = "-9223372036854775808";
const std::string kMaxMinus20 = "9223372036854775787", kMaxMinus5 = "9223372036854775802";
const std::string kMaxMinus8 = "9223372036854775799", kMinPlus3 = "-9223372036854775805";
const std::string kMinPlus4 = "-9223372036854775804", kMinPlus20 = "-9223372036854775788";
const std::string kMinPlus2 = "-9223372036854775806";
const std::string kMaxMinus1 = "9223372036854775806", kMaxMinus3 = "9223372036854775804";

// The squares shape: an eq exit that compares i before the update. Trip
// counts 0..K+1 around K = 4, many; the counter wrapping past INT64_MAX
// (starts above n, reaches it after the wrap); the last update wrapping.
TEST(LoopUnrollTest, EqExitComparedBeforeTheUpdate) {
  const char *text = R"(
@main(start: int, n: int) {
  one: int = const 1;
  i: int = id start;
  s: int = const 0;
.loop:
  s: int = add s i;
  print i;
  d: bool = eq i n;
  i: int = add i one;
  br d .done .loop;
.done:
  print s i;
}
)";
  std::vector<std::vector<std::string>> args;
  for (const char *n : {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"})
    args.push_back({"0", n});
  args.push_back({"-20", "-3"});
  args.push_back({kMaxMinus5, kMinPlus3}); // above n: wraps, then meets n
  args.push_back({kMaxMinus20, kMax});     // the last update wraps
  args.push_back({"1", "100"});
  expectSameBehaviour(text, 4, args);
  // No R block: the chunk test covers all K comparisons of the chunk.
  Program p = parseOrDie(text);
  ASSERT_TRUE(unrollCountedLoops(p.functions[0], nullptr, LoopUnrollOptions{.maxFactor = 4}));
  EXPECT_EQ(countOps(p.functions[0], Opcode::Eq), 1u);
  EXPECT_EQ(countOps(p.functions[0], Opcode::Print), 2u + 4u);
}

// "continue while i != n", the update first, i only counting (one stride add
// per chunk), step 2; also with the other operand order.
TEST(LoopUnrollTest, EqExitAfterTheUpdate) {
  for (const char *cmp : {"eq i n", "eq n i"}) {
    SCOPED_TRACE(cmp);
    std::string text = std::string(R"(
@main(start: int, n: int, x: int) {
  two: int = const 2;
  i: int = id start;
  s: int = const 0;
.loop:
  s: int = add s x;
  i: int = add i two;
  c: bool = )") + cmp + R"(;
  br c .done .loop;
.done:
  print s i;
}
)";
    std::vector<std::vector<std::string>> args;
    for (const char *n : {"2", "4", "6", "8", "10", "12", "14", "16", "18", "20"})
      args.push_back({"0", n, "3"});
    args.push_back({"-40", "-6", "1"});
    args.push_back({kMaxMinus8, kMinPlus3, "1"}); // odd start: wraps to odd n
    args.push_back({"0", "200", "7"});
    expectSameBehaviour(text.c_str(), 8, args);
  }
}

// lt and le exits compared before the update.
TEST(LoopUnrollTest, LtAndLeExitsComparedBeforeTheUpdate) {
  for (const char *cmp : {"lt i n", "le i n", "gt n i", "ge n i"}) {
    SCOPED_TRACE(cmp);
    std::string text = std::string(R"(
@main(start: int, n: int) {
  three: int = const 3;
  i: int = id start;
  s: int = const 0;
.loop:
  c: bool = )") + cmp + R"(;
  s: int = add s i;
  i: int = add i three;
  br c .loop .done;
.done:
  print s i;
}
)";
    std::vector<std::vector<std::string>> args;
    for (int n = -3; n <= 30; ++n)
      args.push_back({"0", std::to_string(n)});
    args.push_back({kMaxMinus20, kMaxMinus5}); // le: i + 3 wraps after the last test
    args.push_back({kMinPlus20, kMinPlus3}); // start above n
    args.push_back({"5", "-100"});
    args.push_back({kMin, kMinPlus20});      // m = n - (K-1)3 wraps: no chunk
    args.push_back({"-300", "300"});
    expectSameBehaviour(text.c_str(), 4, args);
  }
}

// Down-counting loops: sub by a positive step or add of a negative one, exits
// gt/ge/eq, both comparison orders and both positions of the update.
TEST(LoopUnrollTest, DownCountingLoops) {
  struct Shape {
    const char *update, *cmp, *br;
    bool cmpFirst;
  };
  const Shape shapes[] = {
      {"sub i two", "gt i n", "br c .loop .done", false},
      {"sub i two", "ge i n", "br c .loop .done", true},
      {"add minus i", "le i n", "br c .done .loop", false},
      {"add i minus", "lt n i", "br c .loop .done", true},
      {"sub i two", "eq i n", "br c .done .loop", false},
      {"add i minus", "eq n i", "br c .done .loop", true},
  };
  for (const Shape &sh : shapes) {
    SCOPED_TRACE(std::string(sh.update) + " / " + sh.cmp);
    std::string update = std::string("  i: int = ") + sh.update + ";\n";
    std::string cmp = std::string("  c: bool = ") + sh.cmp + ";\n";
    std::string text = std::string(R"(
@main(start: int, n: int) {
  two: int = const 2;
  minus: int = const -2;
  i: int = id start;
  s: int = const 0;
.loop:
  s: int = add s i;
)") + (sh.cmpFirst ? cmp + update : update + cmp) + "  " + sh.br + R"(;
.done:
  print s i;
}
)";
    std::vector<std::vector<std::string>> args;
    for (int n = 0; n <= 24; n += 2)
      args.push_back({"26", std::to_string(n)});
    args.push_back({"-6", "-30"});
    args.push_back({kMinPlus20, kMinPlus2}); // cmp first: the last update wraps
    args.push_back({kMinPlus4, kMaxMinus5}); // start below n: wraps (eq), or one trip
    args.push_back({kMaxMinus1, kMaxMinus3}); // m = n + (K-1)2 wraps: no chunk
    args.push_back({"400", "0"});
    expectSameBehaviour(text.c_str(), 4, args);
  }
}

// A body of several blocks: an if/else (one arm falling through to the
// latch), the latch holding the test.
TEST(LoopUnrollTest, BodyWithAnIfElse) {
  const char *text = R"(
@main(n: int, lim: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
.loop:
  t: int = mul i i;
  big: bool = gt t lim;
  br big .then .else;
.then:
  s: int = sub s t;
  jmp .latch;
.else:
  s: int = add s t;
  print t;
.latch:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s i;
}
)";
  std::vector<std::vector<std::string>> args;
  for (int n = -1; n <= 10; ++n)
    args.push_back({std::to_string(n), "20"});
  args.push_back({"200", "1000"});
  expectSameBehaviour(text, 4, args);
  Program p = parseOrDie(text);
  Function &f = p.functions[0];
  ASSERT_TRUE(unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4}));
  // Four copies of each arm plus the original's.
  EXPECT_EQ(countOps(f, Opcode::Mul), 5u);
  EXPECT_EQ(countOps(f, Opcode::Print), 5u + 1u);
}

// A copy's `jmp` to the block laid out right after it in the chunk is
// dropped: here the arm just before the latch.
TEST(LoopUnrollTest, ChunkCopiesDropJumpsToTheNextBlock) {
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  three: int = const 3;
  s: int = const 0;
.loop:
  r: int = div i three;
  r: int = mul r three;
  third: bool = eq r i;
  br third .a .b;
.a:
  s: int = add s i;
  jmp .latch;
.b:
  s: int = sub s one;
  jmp .latch;
.latch:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s i;
}
)";
  std::vector<std::vector<std::string>> args;
  for (int n = 0; n <= 9; ++n)
    args.push_back({std::to_string(n)});
  args.push_back({"300"});
  expectSameBehaviour(text, 4, args);
  Program p = parseOrDie(text);
  ASSERT_TRUE(unrollCountedLoops(p.functions[0], nullptr, LoopUnrollOptions{.maxFactor = 4}));
  // The original's two, and one per copy (from .a; .b falls into the latch).
  EXPECT_EQ(countOps(p.functions[0], Opcode::Jmp), 2u + 4u);
}

// Several blocks, the update in the header, the test compared in the latch
// before nothing else; the counter read by nothing else (one stride add).
TEST(LoopUnrollTest, BodyWithABranchAndACountingOnlyCounter) {
  const char *text = R"(
@main(n: int, x: int) {
  i: int = const 100;
  step: int = const 3;
  s: int = const 0;
  two: int = const 2;
.loop:
  i: int = sub i step;
  h: int = div x two;
  h2: int = mul h two;
  odd: bool = lt h2 x;
  x: int = id h;
  br odd .odd .even;
.even:
  s: int = add s two;
  jmp .latch;
.odd:
  s: int = add s s;
.latch:
  c: bool = le i n;
  br c .done .loop;
.done:
  print s i x;
}
)";
  std::vector<std::vector<std::string>> args;
  for (int n = 70; n <= 100; ++n)
    args.push_back({std::to_string(n), "1234567"});
  args.push_back({"-1000", "987654321"});
  expectSameBehaviour(text, 4, args);
  Program p = parseOrDie(text);
  ASSERT_TRUE(unrollCountedLoops(p.functions[0], nullptr, LoopUnrollOptions{.maxFactor = 4}));
  EXPECT_EQ(countOps(p.functions[0], Opcode::Sub, *p.functions[0].lookupVar("i")), 1u);
}

TEST(LoopUnrollTest, LeavesBodiesOfOtherShapesAlone) {
  const char *earlyExit = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  ten: int = const 10;
.loop:
  big: bool = gt i ten;
  br big .done .latch;
.latch:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *secondBackEdge = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  ten: int = const 10;
.loop:
  i: int = add i one;
  big: bool = gt i ten;
  br big .loop .latch;
.latch:
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *updateOnOneArm = R"(
@main(n: int, x: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  b: bool = lt x i;
  br b .then .latch;
.then:
  i: int = add i one;
.latch:
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *eqContinuesWhileEqual = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  i: int = add i one;
  c: bool = eq i n;
  br c .loop .done;
.done:
  print i;
}
)";
  const char *upCountingGt = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  i: int = add i one;
  c: bool = gt i n;
  br c .loop .done;
.done:
  print i;
}
)";
  for (const char *text : {earlyExit, secondBackEdge, updateOnOneArm, eqContinuesWhileEqual,
                           upCountingGt}) {
    Program p = parseOrDie(text);
    EXPECT_FALSE(unrollCountedLoops(p.functions[0], nullptr)) << text;
  }
}

// With a profile, a body whose inner branch almost always goes one way is
// left to superblock formation (it speculates on the branch and unrolls the
// trace itself); a balanced one is unrolled here.
TEST(LoopUnrollTest, BiasedInnerBranchesAreLeftToSuperblocks) {
  const char *text = R"(
@main(n: int, lim: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
.loop:
  t: int = mul i i;
  big: bool = gt t lim;
  br big .then .else;
.then:
  s: int = sub s t;
  jmp .latch;
.else:
  s: int = add s t;
.latch:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s i;
}
)";
  // i * i > lim for 168 of 200 trips, then for 2 of them.
  for (auto [lim, unrolls] : {std::pair{"1000", true}, std::pair{"39000", false}}) {
    SCOPED_TRACE(lim);
    Program p = parseOrDie(text);
    std::optional<test::ProfiledRun> r = test::profiledRun(p, {"200", lim});
    ASSERT_TRUE(r);
    Function &f = p.functions[0];
    EXPECT_EQ(unrollCountedLoops(f, &r->weights.of(f)), unrolls);
  }
}

// Of two nested loops only the inner one (a body without a cycle) unrolls.
TEST(LoopUnrollTest, NestedLoopsUnrollTheInnerOne) {
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
.outer:
  j: int = const 0;
.inner:
  s: int = add s j;
  j: int = add j one;
  c: bool = lt j i;
  br c .inner .next;
.next:
  i: int = add i one;
  d: bool = lt i n;
  br d .outer .done;
.done:
  print s i;
}
)";
  std::vector<std::vector<std::string>> args;
  for (const char *n : {"0", "1", "3", "9", "40"})
    args.push_back({n});
  expectSameBehaviour(text, 4, args, true, 7 * 40);
  Program p = parseOrDie(text);
  ASSERT_TRUE(unrollCountedLoops(p.functions[0], nullptr, LoopUnrollOptions{.maxFactor = 4}));
  EXPECT_EQ(countOps(p.functions[0], Opcode::Add, *p.functions[0].lookupVar("s")), 5u);
  EXPECT_EQ(countOps(p.functions[0], Opcode::Add, *p.functions[0].lookupVar("i")), 1u);
}

// Speculative chunks with the profile of `train`: unrolls every function of
// `text` with `options` (speculative), checks the result verifies, changed,
// has `speculate`, `commit` and a round's limit test where `rounds`, and
// prints the same as the original on every argument list.
void expectSpeculativeChunks(const char *text, const std::vector<std::string> &train,
                             LoopUnrollOptions options, bool rounds,
                             const std::vector<std::vector<std::string>> &argLists) {
  Program orig = parseOrDie(text);
  Program p = parseOrDie(text);
  std::optional<Profile> profile = interp::profileRuns(p, {train});
  ASSERT_TRUE(profile.has_value());
  ProgramWeights weights = ProgramWeights::fromProfile(p, *profile);
  options.speculative = true;
  bool changed = false;
  for (Function &f : p.functions) {
    if (options.speculativeSizeLimit == 0)
      options.speculativeSizeLimit = f.instrCount() + 30;
    changed |= unrollCountedLoops(f, &weights.of(f), options);
  }
  ASSERT_TRUE(changed);
  EXPECT_EQ(test::verifyMessages(p), "");
  const Function &f = p.functions[0];
  EXPECT_GE(countOps(f, Opcode::Speculate), 1u);
  EXPECT_GE(countOps(f, Opcode::Commit), 1u);
  if (rounds) {
    EXPECT_TRUE(std::any_of(f.layout.begin(), f.layout.end(), [&](BlockId b) {
      for (const Instr &in : f.block(b).instrs)
        if (in.hasDest() && f.varName(in.dest).rfind("unroll.lim", 0) == 0)
          return true;
      return false;
    }));
  }
  for (const std::vector<std::string> &args : argLists) {
    SCOPED_TRACE("args: " + (args.empty() ? std::string() : args[0]));
    Outcome before = run(orig, args), after = run(p, args);
    EXPECT_TRUE(before.ok);
    EXPECT_EQ(before.ok, after.ok);
    EXPECT_EQ(before.out, after.out);
  }
}

// A body too large for K copies in the size left runs K iterations per
// speculation as rounds of fewer copies, each round testing the chunk's
// limit; every trip count around the chunk sizes keeps the output.
TEST(LoopUnrollTest, SpeculativeRoundsWhenCopiesDoNotFit) {
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  three: int = const 3;
  s: int = const 0;
.loop:
  m: int = mul i three;
  b: bool = lt m s;
  br b .small .big;
.small:
  s: int = sub s m;
  jmp .next;
.big:
  s: int = add s m;
.next:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s i;
}
)";
  std::vector<std::vector<std::string>> args;
  for (int n = 0; n <= 70; ++n)
    args.push_back({std::to_string(n)});
  args.push_back({"1000"});
  LoopUnrollOptions o;
  o.speculativeSizeLimit = 0; // the function's size + 30
  expectSpeculativeChunks(text, {"1000"}, o, true, args);
}

// A loop nest whose inner loop takes no chunk (a few uncounted trips) runs as
// rounds of one copy of the whole outer body, inner loop inside.
TEST(LoopUnrollTest, SpeculativeNestKeepsTheInnerLoopInside) {
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  two: int = const 2;
  total: int = const 0;
.outer:
  j: int = id i;
.inner:
  big: bool = gt j one;
  br big .step .inner_done;
.step:
  j: int = div j two;
  total: int = add total one;
  jmp .inner;
.inner_done:
  i: int = add i one;
  c: bool = lt i n;
  br c .outer .done;
.done:
  print total i;
}
)";
  std::vector<std::vector<std::string>> args;
  for (int n = 0; n <= 40; ++n)
    args.push_back({std::to_string(n)});
  args.push_back({"300"});
  LoopUnrollOptions o;
  o.speculativeSizeLimit = 200;
  expectSpeculativeChunks(text, {"300"}, o, true, args);
  // Without nests, nothing matches.
  Program p = parseOrDie(text);
  std::optional<Profile> profile = interp::profileRuns(p, {{"300"}});
  ProgramWeights weights = ProgramWeights::fromProfile(p, *profile);
  o.nests = false;
  o.speculative = true;
  EXPECT_FALSE(unrollCountedLoops(p.functions[0], &weights.of(p.functions[0]), o));
}

Program optimize(const Program &p, const Profile &profile, bool unrolling) {
  SuperblockPipelineOptions options;
  options.unrolling = unrolling;
  return test::optimizeWithProfile(p, profile, options);
}

// Reads a[0..n-1] through `p = ptradd a i` (twice: a second array b, the
// update first, so its offset is i + 1), filled before; the counter is read
// by nothing else. Each chunk advances p and q by one step per copy from
// their values at the chunk's start, and i once by K.
const char *kOffsets = R"(
@main(n: int) {
  size: int = const 12;
  a: ptr<int> = alloc size;
  b: ptr<int> = alloc size;
  i: int = const 0;
  one: int = const 1;
.fill:
  p: ptr<int> = ptradd a i;
  store p i;
  q: ptr<int> = ptradd b i;
  sq: int = mul i i;
  store q sq;
  i: int = add i one;
  f: bool = lt i size;
  br f .fill .filled;
.filled:
  i: int = const 0;
  s: int = const 0;
.loop:
  p: ptr<int> = ptradd a i;
  v: int = load p;
  s: int = add s v;
  i: int = add i one;
  q: ptr<int> = ptradd b i;
  w: int = load q;
  s: int = add s w;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print s i;
  free a;
  free b;
}
)";

size_t ptraddsReading(const Function &f, VarId v) {
  size_t n = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      n += in.op == Opcode::PtrAdd && in.args[1] == v;
  return n;
}

TEST(LoopUnrollTest, OffsetsOfTheCounterAdvanceFromOnePointerPerChunk) {
  for (bool speculative : {false, true}) {
    SCOPED_TRACE(speculative);
    Program p = parseOrDie(kOffsets);
    Function &f = p.functions[0];
    LoopUnrollOptions o{.maxFactor = 4};
    o.speculative = speculative;
    o.maxSpeculativeFactor = 4;
    ASSERT_TRUE(unrollCountedLoops(f, nullptr, o));
    EXPECT_EQ(test::verifyMessages(p), "");
    VarId i = *f.lookupVar("i");
    // Per loop: the original update and the chunk's stride (the fill loop
    // stores i: its copies keep theirs).
    EXPECT_EQ(countOps(f, Opcode::Add, i), 2u + 5u);
    // From i: the originals (4), the fill chunk's copies (8), and per chunk
    // of the read loop one for p and one for q (copy 0; q's then steps once).
    EXPECT_EQ(ptraddsReading(f, i), 4u + 8u + 2u);
    Program orig = parseOrDie(kOffsets);
    // 12 cells: n up to 12 reads in bounds, 13 reads past the end (an error
    // at the same point of the output), 0 and below run one trip.
    for (const char *n : {"-9223372036854775808", "-1", "0", "1", "2", "3", "4", "5", "7", "8",
                          "9", "11", "12", "13", "20"}) {
      SCOPED_TRACE(n);
      Outcome a = run(orig, {n}), b = run(p, {n});
      EXPECT_EQ(a.ok, b.ok);
      EXPECT_EQ(a.out, b.out);
      EXPECT_EQ(a.error, b.error);
    }
    // Against the same chunks with the copies' updates: at n = 11 two
    // chunks run, each with K - 1 = 3 adds less and one ptradd more (q is
    // read after the update), and the stride and step constants run once.
    Program plain = parseOrDie(kOffsets);
    o.pointerOffsets = false;
    ASSERT_TRUE(unrollCountedLoops(plain.functions[0], nullptr, o));
    EXPECT_EQ(run(p, {"11"}).dyn + 2 * (3 - 1) - 2, run(plain, {"11"}).dyn);
  }
}

// The counter is also read as a value: the copies keep their updates and
// their offsets from i.
TEST(LoopUnrollTest, OffsetsAndAValueReadOfTheCounterKeepTheUpdates) {
  const char *text = R"(
@main(n: int) {
  size: int = const 64;
  a: ptr<int> = alloc size;
  i: int = const 0;
  one: int = const 1;
.loop:
  p: ptr<int> = ptradd a i;
  store p i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  v: ptr<int> = ptradd a one;
  x: int = load v;
  print x;
  free a;
}
)";
  Program p = parseOrDie(text);
  Function &f = p.functions[0];
  ASSERT_TRUE(unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4}));
  VarId i = *f.lookupVar("i");
  EXPECT_EQ(countOps(f, Opcode::Add, i), 5u); // the original and 4 copies
  EXPECT_EQ(ptraddsReading(f, i), 5u);
  Program orig = parseOrDie(text);
  for (const char *n : {"1", "2", "5", "9", "64", "65"}) {
    Outcome a = run(orig, {n}), b = run(p, {n});
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.error, b.error);
  }
}


// The block of the layout whose label is `prefix` with a fresh label's
// number after it (`h0.unroll.exit` finds `.h0.unroll.exit.3`).
BlockId freshBlockNamed(const Function &f, const std::string &prefix) {
  BlockId found = kNoBlock;
  for (BlockId b : f.layout) {
    const std::string &label = f.labelOf(b);
    if (label.size() > prefix.size() + 1 && label.compare(0, prefix.size() + 1, prefix + ".") == 0 &&
        label.find_first_not_of("0123456789", prefix.size() + 1) == std::string::npos) {
      EXPECT_EQ(found, kNoBlock) << "two blocks ." << prefix << ".N";
      found = b;
    }
  }
  EXPECT_NE(found, kNoBlock) << "no block ." << prefix << ".N";
  return found == kNoBlock ? 0 : found;
}

// Loops in a row, each leaving straight into the next one's header: every
// edge into a header from outside its loop enters that loop's chunk test,
// the edges from the blocks an earlier loop's unrolling added included (the
// unroller finds them without walking the function).
TEST(LoopUnrollTest, LoopsInARowEnterEachOthersChunkTests) {
  const char *text = R"(
@main(n: int) {
  one: int = const 1;
  s: int = const 0;
  i: int = const 0;
  j: int = const 0;
  k: int = const 0;
.h0:
  s: int = add s i;
  i: int = add i one;
  c0: bool = lt i n;
  br c0 .h0 .h1;
.h1:
  s: int = add s j;
  j: int = add j one;
  c1: bool = lt j n;
  br c1 .h1 .h2;
.h2:
  s: int = add s k;
  k: int = add k one;
  c2: bool = lt k n;
  br c2 .h2 .done;
.done:
  print s i j k;
}
)";
  Program p = parseOrDie(text);
  Function &f = p.functions[0];
  ASSERT_TRUE(unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4}));
  EXPECT_EQ(test::verifyMessages(p), "");
  for (const char *next : {"h1", "h2"}) {
    SCOPED_TRACE(next);
    BlockId header = blockNamed(f, next);
    BlockId test = freshBlockNamed(f, std::string(next) + ".unroll.test");
    // Whatever names the header, but for its own loop's blocks, names the
    // test instead: the previous loop's latch and its exit block (R, added
    // by that loop's unrolling, which came first).
    std::string prev = next == std::string("h1") ? "h0" : "h1";
    for (BlockId from : {blockNamed(f, prev), freshBlockNamed(f, prev + ".unroll.exit")}) {
      const Instr *term = f.block(from).terminator();
      ASSERT_NE(term, nullptr);
      EXPECT_NE(std::find(term->labels.begin(), term->labels.end(), test), term->labels.end());
      EXPECT_EQ(std::find(term->labels.begin(), term->labels.end(), header), term->labels.end());
    }
    // Laid out right before its header.
    auto at = std::find(f.layout.begin(), f.layout.end(), header);
    ASSERT_NE(at, f.layout.begin());
    EXPECT_NE(std::find(f.layout.begin(), at, test), at);
  }
  Program orig = parseOrDie(text);
  for (const char *n : {"-3", "0", "1", "2", "3", "4", "5", "8", "9", "17"}) {
    SCOPED_TRACE(n);
    Outcome a = run(orig, {n}), b = run(p, {n});
    EXPECT_TRUE(b.ok);
    EXPECT_EQ(a.out, b.out);
  }
}

// With a branch back to the entry block (it may run more than once per
// call), the offsets' stride and step constants go in the chunk's test
// block, not the entry block; without one, in the entry block.
TEST(LoopUnrollTest, OffsetConstantsStayOutOfAnEntryThatBranchesTarget) {
  auto text = [](bool again) {
    return std::string(R"(
@main(n: int) {
.entry:
  size: int = const 64;
  a: ptr<int> = alloc size;
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
.loop:
  p: ptr<int> = ptradd a i;
  v: int = load p;
  s: int = add s v;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  free a;
  print s;
)") + (again ? R"(  n: int = sub n one;
  more: bool = gt n one;
  br more .entry .end;
.end:
}
)"
               : "}\n");
  };
  for (bool again : {false, true}) {
    SCOPED_TRACE(again);
    Program p = parseOrDie(text(again));
    Function &f = p.functions[0];
    LoopUnrollOptions o{.maxFactor = 4};
    ASSERT_TRUE(unrollCountedLoops(f, nullptr, o));
    EXPECT_EQ(test::verifyMessages(p), "");
    size_t inEntry = 0;
    for (const Instr &in : f.block(f.entry()).instrs)
      inEntry += in.op == Opcode::Const;
    size_t inTest = 0;
    for (const Instr &in : f.block(freshBlockNamed(f, "loop.unroll.test")).instrs)
      inTest += in.op == Opcode::Const;
    // The entry block's own constants: size, i, one, s.
    EXPECT_EQ(inEntry, again ? 4u : 6u);
    EXPECT_EQ(inTest >= 2, again);
    Program orig = parseOrDie(text(again));
    for (const char *n : {"1", "2", "5", "9", "12", "64"}) {
      SCOPED_TRACE(n);
      Outcome a = run(orig, {n}), b = run(p, {n});
      EXPECT_EQ(a.out, b.out);
      EXPECT_EQ(a.error, b.error);
    }
  }
}

// Also the profile-free form (`--passes=unroll`, every match by 4) keeps the
// output of every benchmark.
TEST(LoopUnrollBenchTest, EveryBenchmarkKeepsItsOutputAndUnrollingPays) {
  std::vector<Bench> all = manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  double logWith = 0, logWithout = 0;
  size_t measured = 0;
  size_t unrolled = 0;
  for (const Bench &b : all) {
    SCOPED_TRACE(b.id());
    std::optional<Program> p = test::loadBenchmark(b);
    ASSERT_TRUE(p);
    Outcome train = run(*p, splitArgs(b.args), true);
    ASSERT_TRUE(train.ok);
    Program with = optimize(*p, *train.profile, true);
    Program without = optimize(*p, *train.profile, false);
    // The growth limits hold, inlining included: per function 2.0x, or its
    // size + 64 when hot, plus the speculative chunks' allowance in a
    // function that speculates (and what callees taken in at their sole
    // call site handed over); the program at most 2.5x.
    size_t sizeWith = 0, sizeOriginal = 0;
    double handedOver = test::budgetOfRemovedFunctions(*p, with, SuperblockOptions{}.speculativeGrowth);
    for (const Function &f : with.functions) {
      sizeWith += f.instrCount();
      if (const Function *o = p->findFunction(f.name)) {
        double allowance = isPlainNonSpeculative(f) ? 0 : SuperblockOptions{}.speculativeGrowth;
        EXPECT_LE(double(f.instrCount()),
                  test::growthLimitOf(o->instrCount()) + allowance + handedOver)
            << f.name;
      }
    }
    for (const Function &f : p->functions)
      sizeOriginal += f.instrCount();
    EXPECT_LE(double(sizeWith), 2.5 * double(sizeOriginal));
    Program everywhere = *p;
    for (Function &f : everywhere.functions)
      unrolled += unrollCountedLoops(f, nullptr, LoopUnrollOptions{.maxFactor = 4});
    std::vector<std::string> inputs = b.inputs();
    for (size_t k = 0; k < inputs.size(); ++k) {
      const std::string &args = inputs[k];
      SCOPED_TRACE("args: " + args);
      Outcome a = run(*p, splitArgs(args));
      Outcome c = run(with, splitArgs(args));
      Outcome e = run(everywhere, splitArgs(args));
      EXPECT_EQ(a.ok, c.ok);
      EXPECT_EQ(a.out, c.out);
      EXPECT_EQ(a.ok, e.ok);
      EXPECT_EQ(a.out, e.out);
      if (k == 0) { // the profiled input
        EXPECT_LE(c.dyn, a.dyn);
        Outcome n = run(without, splitArgs(args));
        // A program optimized to no instruction at all (tail-call: its loop
        // has no effect) has no ratio a geometric mean can take.
        if (c.dyn > 0 && n.dyn > 0) {
          logWith += std::log(double(c.dyn) / double(a.dyn));
          logWithout += std::log(double(n.dyn) / double(a.dyn));
          ++measured;
        }
        std::printf("unroll %-28s %.4f (without unrolling %.4f)\n", b.name.c_str(),
                    double(c.dyn) / double(a.dyn), double(n.dyn) / double(a.dyn));
      } else {
        // Held-out inputs that barely enter a loop pay its speculative
        // chunk's entry test (up to 6) without the chunk (squares with 1).
        EXPECT_LE(double(c.dyn), 1.05 * double(a.dyn) + 6);
      }
    }
  }
  double n = double(std::max<size_t>(measured, 1));
  std::printf("pipeline geometric mean %.4f with unrolling, %.4f without; %zu functions "
              "unrolled profile-free\n",
              std::exp(logWith / n), std::exp(logWithout / n), unrolled);
  EXPECT_LT(logWith, logWithout);
}

} // namespace
} // namespace brisk
