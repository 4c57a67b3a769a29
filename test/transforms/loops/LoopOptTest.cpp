// GVN, LICM and loop rotation: structure of small SSA functions after each
// pass, semantics (run before and after under `brisk run`), and every shared
// benchmark through to-ssa, the passes and from-ssa (same output; rotation
// and LICM never add executed instructions).
#include "analysis/AnalysisCache.h"
#include "analysis/Verifier.h"
#include "test/SharedData.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "test/transforms/RunHelper.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/scalar/GVN.h"
#include "transforms/loops/LICM.h"
#include "transforms/loops/LoopPreheaders.h"
#include "transforms/loops/LoopRotation.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;

// Parses, converts to SSA, runs `passes` on every function (verifying SSA
// after each), and returns the SSA program.
Program optimized(const std::string &text, const std::vector<bool (*)(Function &)> &passes) {
  Program p = parseOrDie(text);
  for (Function &f : p.functions)
    EXPECT_TRUE(toSSA(f));
  for (auto pass : passes) {
    for (Function &f : p.functions)
      pass(f);
    EXPECT_EQ(test::verifySSAMessages(p, true), "");
  }
  return p;
}

Program outOfSSA(Program p) {
  for (Function &f : p.functions)
    fromSSA(f);
  EXPECT_EQ(test::verifySSAMessages(p, false), "");
  return p;
}

// Same output and status before and after; returns (before, after) counts.
std::pair<long long, long long> compareRuns(const std::string &text, const Program &after,
                                            const std::string &args) {
  test::RunResult a = test::runProgram(parseOrDie(text), args);
  test::RunResult b = test::runProgram(after, args);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.out, b.out);
  return {a.dyn, b.dyn};
}

const char *kCountingLoop = R"(
@main(n: int) {
  i: int = const 0;
  s: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  ten: int = const 10;
  t: int = mul i ten;
  s: int = add s t;
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
  print i;
}
)";

TEST(GVNTest, MergesDominatedConstantsAndCommutedArithmetic) {
  Program p = optimized(R"(
@main(a: int, b: int) {
  one: int = const 1;
  x: int = add a b;
  c: bool = lt a b;
  br c .then .else;
.then:
  one2: int = const 1;
  y: int = add b a;
  z: int = add y one2;
  print z;
  ret;
.else:
  w: int = id x;
  print w;
}
)",
                        {numberValues});
  const Function &f = p.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Const), 1u);
  EXPECT_EQ(countOp(f, Opcode::Add), 2u); // x and z; y merged into x
  EXPECT_EQ(countOp(f, Opcode::Id), 0u);
}

TEST(GVNTest, KeepsDivisionsNotDominatedByAnEqualOne) {
  Program p = optimized(R"(
@main(a: int, b: int) {
  c: bool = lt a b;
  br c .then .else;
.then:
  q: int = div a b;
  print q;
  jmp .end;
.else:
  q2: int = div a b;
  print q2;
.end:
  q3: int = div a b;
  q4: int = div a b;
  print q3 q4;
}
)",
                        {numberValues});
  // q4 goes (q3 dominates it); q, q2 and q3 stay: none dominates another.
  EXPECT_EQ(countOp(p.functions[0], Opcode::Div), 3u);
}

TEST(GVNTest, ConstantsOfDifferentTypesStayApart) {
  Program p = optimized(R"(
@main {
  a: int = const 1;
  b: bool = const true;
  c: float = const 1.0;
  print a b c;
}
)",
                        {numberValues});
  EXPECT_EQ(countOp(p.functions[0], Opcode::Const), 3u);
}

TEST(LoopRotationTest, LoopRunsOneBranchAndNoJumpPerIteration) {
  Program p = optimized(kCountingLoop, {rotateLoops});
  const Function &f = p.functions[0];
  EXPECT_FALSE(f.findBlock("loop").has_value()) << "the header should be gone";
  EXPECT_EQ(countOp(f, Opcode::Jmp), 0u);
  EXPECT_EQ(countOp(f, Opcode::Br), 2u); // the guard and the latch
  Program back = outOfSSA(p);
  for (const char *n : {"0", "1", "7"}) {
    auto [before, after] = compareRuns(kCountingLoop, back, n);
    EXPECT_LE(after, before) << "n=" << n;
  }
  auto [before, after] = compareRuns(kCountingLoop, back, "20");
  EXPECT_LE(after + 20, before) << "one jmp saved per iteration";
}

TEST(LoopRotationTest, NestedLoopsAndValuesUsedAfterTheLoop) {
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  total: int = const 0;
.outer:
  ci: bool = lt i n;
  br ci .obody .odone;
.obody:
  j: int = const 0;
.inner:
  cj: bool = lt j i;
  br cj .ibody .idone;
.ibody:
  total: int = add total j;
  one: int = const 1;
  j: int = add j one;
  jmp .inner;
.idone:
  print j;
  one2: int = const 1;
  i: int = add i one2;
  jmp .outer;
.odone:
  print total i;
}
)";
  Program p = optimized(text, {rotateLoops, numberValues});
  EXPECT_EQ(countOp(p.functions[0], Opcode::Jmp), 0u);
  Program back = outOfSSA(p);
  for (const char *n : {"0", "1", "5"}) {
    auto [before, after] = compareRuns(text, back, n);
    EXPECT_LE(after, before) << "n=" << n;
  }
}

// The loop passes after rotation take its CFG, dominator tree and frontier
// (PassContext::retainFacts): they must be the rotated function's, not the
// ones rotation started from.
TEST(LoopRotationTest, LeavesTheFactsOfTheRotatedFunction) {
  Program p = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
.outer:
  ci: bool = lt i n;
  br ci .obody .odone;
.obody:
  j: int = const 0;
.inner:
  cj: bool = lt j i;
  br cj .ibody .idone;
.ibody:
  one: int = const 1;
  j: int = add j one;
  jmp .inner;
.idone:
  print j;
  one2: int = const 1;
  i: int = add i one2;
  jmp .outer;
.odone:
  print i;
}
)");
  Function &f = p.functions[0];
  ASSERT_TRUE(toSSA(f));
  AnalysisCache facts(f, CFG::Guards::Absent);
  facts.domTree(); // built on the function before rotation
  facts.frontier();
  ASSERT_TRUE(rotateLoops(f, facts));
  CFG fresh(f);
  DominatorTree dom(fresh);
  DominanceFrontier df(fresh, dom);
  const CFG &kept = facts.cfg();
  ASSERT_EQ(kept.numBlocks(), fresh.numBlocks());
  for (BlockId b : f.layout) {
    EXPECT_EQ(std::vector<BlockId>(kept.succs(b).begin(), kept.succs(b).end()),
              std::vector<BlockId>(fresh.succs(b).begin(), fresh.succs(b).end()));
    EXPECT_EQ(std::vector<BlockId>(kept.preds(b).begin(), kept.preds(b).end()),
              std::vector<BlockId>(fresh.preds(b).begin(), fresh.preds(b).end()));
    EXPECT_EQ(facts.domTree().idom(b), dom.idom(b)) << f.block(b).label;
    auto frontier = [](const DominanceFrontier &d, BlockId x) {
      auto r = d.frontier(x);
      return std::vector<BlockId>(r.begin(), r.end());
    };
    EXPECT_EQ(frontier(facts.frontier(), b), frontier(df, b)) << f.block(b).label;
  }
  EXPECT_EQ(facts.loops().loops().size(), 2u);
}

// A header phi that reads an `undef` from the preheader (here put there by
// hand: construction leaves one only where no execution reads it): the
// preheader's copy of the phi must be an `undef` itself, not an `id`
// reading one (which brili would reject were it run).
TEST(LoopRotationTest, CopyOfAnUndefinedEntryValueReadsNothing) {
  Program p = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
  s: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  s: int = add s i;
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print i s;
}
)");
  Function &f = p.functions[0];
  ASSERT_TRUE(toSSA(f));
  std::optional<BlockId> header = f.findBlock("loop");
  ASSERT_TRUE(header.has_value());
  Instr *phi = nullptr;
  for (Instr &in : f.block(*header).instrs)
    if (in.op == Opcode::Phi && originalName(f.varName(in.dest)) == "s")
      phi = &in;
  ASSERT_NE(phi, nullptr);
  Instr u;
  u.op = Opcode::Undef;
  u.type = phi->type;
  u.dest = f.freshVar("u");
  const VarId undefined = u.dest;
  for (size_t i = 0; i < phi->labels.size(); ++i)
    if (phi->labels[i] == f.entry())
      phi->args[i] = undefined;
  std::vector<Instr> &entry = f.block(f.entry()).instrs;
  entry.insert(entry.begin(), u);
  ASSERT_TRUE(rotateLoops(f));
  // (No verifier here: the hand-made undef is read, which it rejects.)
  size_t undefs = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs) {
      undefs += in.op == Opcode::Undef;
      if (in.op == Opcode::Id) {
        EXPECT_NE(in.args[0], undefined) << "an id of the undef";
      }
    }
  EXPECT_EQ(undefs, 2u) << "the undef and the preheader's copy of the phi";
}

TEST(LICMTest, HoistsFromBlocksThatRunEveryIteration) {
  // Without rotation the body does not dominate the exit test, but it
  // dominates the latch: it runs on every iteration that goes round again,
  // so its constants move too; a loop left at once pays them once.
  Program plain = optimized(kCountingLoop, {hoistLoopInvariants});
  const Function &f0 = plain.functions[0];
  BlockId body0 = *f0.findBlock("body");
  EXPECT_EQ(countOp(f0, Opcode::Const), 4u);
  for (const Instr &in : f0.block(body0).instrs)
    EXPECT_NE(in.op, Opcode::Const) << "constants should be hoisted";
  Program plainBack = outOfSSA(plain);
  for (const char *n : {"0", "1", "9"}) {
    auto [before, after] = compareRuns(kCountingLoop, plainBack, n);
    EXPECT_LE(after, before + (std::string(n) == "0" ? 2 : 0)) << "n=" << n;
  }

  Program p = optimized(kCountingLoop, {rotateLoops, hoistLoopInvariants});
  const Function &f = p.functions[0];
  BlockId body = *f.findBlock("body");
  for (const Instr &in : f.block(body).instrs)
    EXPECT_NE(in.op, Opcode::Const) << "constants should be hoisted";
  Program back = outOfSSA(p);
  for (const char *n : {"0", "1", "9"}) {
    auto [before, after] = compareRuns(kCountingLoop, back, n);
    EXPECT_LE(after, before) << "n=" << n;
  }
}

TEST(LICMTest, KeepsConstantsOnlyTheLoopsPhisRead) {
  // The outer loop holds an inner loop whose counter starts at a `const 0`
  // read only by the inner header's phi: hoisted, it would be live around
  // the outer loop and out of SSA would write the constant again on the
  // inner loop's entry edge. `ten` has an ordinary reader and still moves.
  const char *text = R"(
@main(n: int) {
  j: int = const 0;
  s: int = const 0;
.outer:
  i: int = const 0;
.inner:
  ten: int = const 10;
  t: int = mul i ten;
  s: int = add s t;
  one: int = const 1;
  i: int = add i one;
  c: bool = lt i n;
  br c .inner .next;
.next:
  j: int = add j one;
  d: bool = lt j n;
  br d .outer .done;
.done:
  print s;
}
)";
  Program p = optimized(text, {rotateLoops, hoistLoopInvariants});
  const Function &f = p.functions[0];
  auto constsIn = [&](BlockId b, int64_t value) {
    unsigned n = 0;
    for (const Instr &in : f.block(b).instrs)
      n += in.op == Opcode::Const && in.value.asInt() == value;
    return n;
  };
  BlockId outer = *f.findBlock("outer"), inner = *f.findBlock("inner");
  EXPECT_EQ(constsIn(outer, 0), 1u) << "the inner counter's start stays in the outer loop";
  EXPECT_EQ(constsIn(outer, 10) + constsIn(inner, 10), 0u) << "ten leaves both loops";
  Program back = outOfSSA(p);
  for (const char *n : {"1", "3"}) {
    auto [before, after] = compareRuns(text, back, n);
    EXPECT_LE(after, before) << "n=" << n;
  }
}

TEST(LICMTest, NeverHoistsWhatMayTrap) {
  const char *text = R"(
@main(n: int, k: int) {
  i: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  d: int = div n k;
  print d;
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print i;
}
)";
  Program p = optimized(text, {rotateLoops, hoistLoopInvariants});
  const Function &f = p.functions[0];
  BlockId body = *f.findBlock("body");
  unsigned divs = 0;
  for (const Instr &in : f.block(body).instrs)
    divs += in.op == Opcode::Div;
  EXPECT_EQ(divs, 1u);
  // n = 0: the loop never runs, so the division by zero must not happen.
  auto [before, after] = compareRuns(text, outOfSSA(p), "0 0");
  EXPECT_LE(after, before);
}

// Runs every benchmark through `passes` with the driver; the output must not
// change. Returns the geometric mean of optimized/original counts; `limit`
// bounds each benchmark's ratio.
void checkBenchmarks(const std::string &passes, double limit) {
  std::vector<test::Bench> all = test::manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  double logSum = 0, worst = 0;
  std::string worstName;
  for (const test::Bench &b : all) {
    SCOPED_TRACE(b.id());
    std::string src = b.file().string();
    test::SsaJson c = test::ssaJsonOf(src, "--passes=" + passes);
    ASSERT_EQ(c.status, 0) << c.errors;
    test::RunResult orig = test::runFile(src, b.args), opt = test::runFile(c.file, b.args);
    std::filesystem::remove(c.file);
    ASSERT_EQ(orig.status, 0);
    EXPECT_EQ(opt.status, 0);
    EXPECT_EQ(opt.out, orig.out);
    double ratio = orig.dyn > 0 ? double(opt.dyn) / double(orig.dyn) : 1.0;
    EXPECT_LE(ratio, limit) << orig.dyn << " -> " << opt.dyn;
    logSum += std::log(ratio);
    if (ratio > worst) {
      worst = ratio;
      worstName = b.id();
    }
  }
  double geomean = std::exp(logSum / double(all.size()));
  std::printf("%s: geometric mean %.4f, worst %.4f (%s)\n", passes.c_str(), geomean, worst,
              worstName.c_str());
  EXPECT_LT(geomean, 1.0);
}

TEST(LoopOptBenchTest, RotationAndLICMNeverAddInstructions) {
  checkBenchmarks("to-ssa,loop-rotate,licm,from-ssa", 1.0);
}

TEST(LoopOptBenchTest, WithGVNNeverAddsInstructions) {
  checkBenchmarks("to-ssa,loop-rotate,licm,gvn,from-ssa", 1.0);
}

} // namespace
} // namespace brisk
