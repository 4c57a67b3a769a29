// Superblocks (transforms/superblocks/TraceSelection.h, SuperblockFormation.h,
// GuardFacts.h, DeadCode.h, the pipeline behind `brisk opt`): the traces
// chosen on small programs, the facts guards imply, speculation-aware dead
// code, a guard failing at run time, and every shared benchmark optimized
// with a profile of its shipped arguments, run on those and on the two extra
// inputs of bench/inputs.tsv: same output and exit status, and the
// verifier's speculation rules (with E1) hold. Programs are profiled and
// run in-process; the optimized program goes through JSON and back first.
#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Dominators.h"
#include "analysis/Verifier.h"
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "frontend/Loader.h"
#include "interp/Interpreter.h"
#include "test/SharedData.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/Differential.h"
#include "test/transforms/TestSupport.h"
#include "transforms/superblocks/DeadCode.h"
#include "transforms/superblocks/GuardFacts.h"
#include "transforms/superblocks/RegionEmitter.h"
#include "transforms/superblocks/SuperblockFormation.h"
#include "transforms/Pipeline.h"
#include "transforms/superblocks/TraceSelection.h"
#include "tools/gen/ProgramGenerator.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <sstream>

namespace brisk {
namespace {

using test::blockNamed;
using test::Outcome;
using test::countOp;
using test::parseOrDie;
using test::run;
using test::splitArgs;

std::string verifyEffects(const Program &p) { return test::verifyMessages(p, true); }

// Optimizes `p` with a profile of `trainArgs`; returns it after a trip
// through JSON (what brili would read).
Program optimize(const Program &p, const std::vector<std::string> &trainArgs,
                 SuperblockPipelineOptions options = {}) {
  Outcome train = run(p, trainArgs, true);
  EXPECT_TRUE(train.ok) << train.error;
  return test::optimizeWithProfile(p, *train.profile, options);
}

const char *kLoop = R"(
@main(n: int) {
  i: int = const 0;
  s: int = const 0;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  one: int = const 1;
  three: int = const 3;
  r: int = const 1000;
  big: bool = gt i r;
  br big .rare .common;
.rare:
  s: int = add s three;
  jmp .latch;
.common:
  s: int = add s i;
.latch:
  i: int = add i one;
  jmp .head;
.done:
  print s;
}
)";

// edgesOut borrows what edgesFrom copies: the same edges, and none for a
// block the weights never heard of.
TEST(FunctionWeightsTest, EdgesOutListsWhatEdgesFromCopies) {
  FunctionWeights w;
  w.setEdge(1, 2, 5);
  w.setEdge(1, 4, 3);
  w.setEdge(1, 2, 7); // replaces the first count
  std::vector<std::pair<BlockId, double>> copied = w.edgesFrom(1);
  llvm::ArrayRef<std::pair<BlockId, double>> borrowed = w.edgesOut(1);
  EXPECT_EQ(borrowed.vec(), copied);
  EXPECT_EQ(copied.size(), 2u);
  EXPECT_EQ(w.edge(1, 2), 7);
  EXPECT_TRUE(w.edgesOut(0).empty());
  EXPECT_TRUE(w.edgesOut(99).empty());
}

TEST(TraceSelectionTest, HotLoopBecomesOneLoopTrace) {
  Program p = parseOrDie(kLoop);
  std::optional<test::ProfiledRun> o = test::profiledRun(p, {"100"});
  ASSERT_TRUE(o);
  ProgramWeights &w = o->weights;
  const Function &f = p.functions[0];
  std::vector<Trace> traces = selectTraces(f, w.of(f), o->profile().function("main"), {});
  ASSERT_FALSE(traces.empty());
  const Trace &t = traces[0];
  EXPECT_TRUE(t.isLoop);
  std::vector<BlockId> expected = {blockNamed(f, "head"), blockNamed(f, "body"),
                                   blockNamed(f, "common"), blockNamed(f, "latch")};
  EXPECT_EQ(t.blocks, expected);
  EXPECT_EQ(t.headCount, 101);
  // .rare never ran: it is in no trace.
  for (const Trace &tr : traces)
    for (BlockId b : tr.blocks)
      EXPECT_NE(b, blockNamed(f, "rare"));
}

TEST(TraceSelectionTest, UnbiasedBranchEndsTheTrace) {
  Program p = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
  two: int = const 2;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  h: int = div i two;
  h: int = mul h two;
  even: bool = eq h i;
  br even .a .b;
.a:
  s: int = add s one;
  jmp .latch;
.b:
  s: int = add s two;
.latch:
  i: int = add i one;
  jmp .head;
.done:
  print s;
}
)");
  std::optional<test::ProfiledRun> o = test::profiledRun(p, {"100"});
  ASSERT_TRUE(o);
  const Function &f = p.functions[0];
  std::vector<Trace> traces = selectTraces(f, o->weights.of(f), nullptr, {});
  ASSERT_FALSE(traces.empty());
  EXPECT_FALSE(traces[0].isLoop);
  EXPECT_EQ(traces[0].blocks.back(), blockNamed(f, "body"));
}

TEST(SuperblockTest, GuardFailingAtRunTimeRecovers) {
  Program p = parseOrDie(kLoop);
  SuperblockPipelineOptions options;
  options.superblocks.growthLimit = 4;
  Program opt = optimize(p, {"100"}, options);
  EXPECT_EQ(verifyEffects(opt), "");
  EXPECT_GT(countOp(opt, Opcode::Guard), 0u);
  EXPECT_GT(countOp(opt, Opcode::Speculate), 0u);
  test::expectSameOnInputs(p, opt, {"0", "1", "7", "8", "9", "100", "1001", "1500"}, "n");
  // On the profiled input it must pay off.
  EXPECT_LT(run(opt, {"100"}).dyn, run(p, {"100"}).dyn);
}

TEST(SuperblockTest, NoSpeculationBuildsBranchExitsOnly) {
  Program p = parseOrDie(kLoop);
  SuperblockPipelineOptions options;
  options.superblocks.speculation = false;
  options.superblocks.growthLimit = 4;
  Program opt = optimize(p, {"100"}, options);
  EXPECT_EQ(countOp(opt, Opcode::Speculate), 0u);
  EXPECT_EQ(countOp(opt, Opcode::Guard), 0u);
  EXPECT_EQ(run(opt, {"1500"}).out, run(p, {"1500"}).out);
  EXPECT_LT(run(opt, {"100"}).dyn, run(p, {"100"}).dyn);
}

// A float-counted loop (no integer counter for a range guard): its exit
// tests become guards in a speculative chunk, and GuardMerging keeps only
// the chunk's last one (x only grows), so by default the loop speculates
// and runs fewer instructions than its branch form.
TEST(SuperblockTest, AFloatCountedLoopSpeculatesBelowTheBranchForm) {
  Program p = parseOrDie(R"(
@main(lim: float) {
  x: float = const 1;
  s: float = const 0;
  one: float = const 1;
.head:
  c: bool = fle x lim;
  br c .body .done;
.body:
  r: float = fdiv one x;
  s: float = fadd s r;
  x: float = fadd x one;
  jmp .head;
.done:
  print s;
}
)");
  SuperblockPipelineOptions options;
  options.programGrowthLimit = 10;
  Program opt = optimize(p, {"2000.5"}, options);
  options.superblocks.speculation = false;
  Program branches = optimize(p, {"2000.5"}, options);
  EXPECT_EQ(verifyEffects(opt), "");
  EXPECT_GT(countOp(opt, Opcode::Speculate), 0u);
  EXPECT_EQ(countOp(opt, Opcode::Guard), 1u);
  EXPECT_LT(run(opt, {"2000.5"}).dyn, run(branches, {"2000.5"}).dyn);
  test::expectSameOnInputs(p, opt, {"2000.5", "0.5", "1", "3", "17.25", "-4"}, "n");
}

// Forms superblocks in @main of `p` (a copy) directly, on a profile of
// `trainArgs`; `remarks` gets the decisions.
Program formOnly(const Program &p, const std::vector<std::string> &trainArgs,
                 std::vector<RegionRemark> &remarks) {
  Program copy = p;
  std::optional<test::ProfiledRun> train = test::profiledRun(copy, trainArgs);
  if (!train)
    return copy;
  Function &f = copy.functions[0];
  SuperblockOptions options;
  options.growthLimit = 8;
  options.forceSpeculation = true;
  formSuperblocks(f, train->weights.of(f), train->profile().function("main"), f.instrCount(),
                  options, &remarks);
  return copy;
}

bool formedARegion(const std::vector<RegionRemark> &remarks) {
  for (const RegionRemark &r : remarks)
    if (r.decision != "rejected")
      return true;
  return false;
}

// formOnly trained on `train` forms a region; the result keeps the
// verifier's speculation rules and shows what `p` shows on every input.
void expectScratchFormKeepsBehaviour(const Program &p, const std::string &train,
                                     const std::vector<std::string> &inputs) {
  std::vector<RegionRemark> remarks;
  Program opt = formOnly(p, splitArgs(train), remarks);
  ASSERT_TRUE(formedARegion(remarks));
  EXPECT_EQ(verifyEffects(opt), "");
  test::expectSameOnInputs(p, opt, inputs, "n");
}

// Each candidate is measured on a scratch that holds only the loop
// (SuperblockFormation.h, compile time). `k` is written once inside it, by
// a constant, and once more before the loop: inside the scratch it must not
// look like a constant of the function, or the first iteration (k = 7)
// would skip .rare and its print.
TEST(SuperblockScratchTest, AVariableWrittenOutsideTheLoopIsNoConstant) {
  Program p = parseOrDie(R"(
@main(n: int) {
  k: int = const 7;
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
  five: int = const 5;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  same: bool = eq k five;
  br same .common .rare;
.rare:
  print k;
  jmp .latch;
.common:
  s: int = add s i;
.latch:
  k: int = const 5;
  i: int = add i one;
  jmp .head;
.done:
  print s;
}
)");
  expectScratchFormKeepsBehaviour(p, "200", {"0", "1", "2", "17", "200"});
}

// `last` is dead inside the loop and read only after it, two blocks past
// the exit: the scratch's stand-in for the exit must keep it alive, or dead
// code would delete every write of it and the final print would fail.
TEST(SuperblockScratchTest, AValueLiveOnlyPastTheExitStaysWritten) {
  Program p = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
  last: int = const 0;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  last: int = add i one;
  s: int = add s i;
  i: int = add i one;
  jmp .head;
.done:
  print s;
  jmp .tail;
.tail:
  print last;
}
)");
  expectScratchFormKeepsBehaviour(p, "100", {"0", "1", "5", "100", "333"});
}

// The search builds a branch form only when the speculative form of the
// same unroll factor did not already emit it (Outcome::sameAsBranchForm):
// that form must then be the very same program, and a loop with a rare
// branch inside it must not claim to be one.
TEST(SuperblockSearchTest, ASpeculativeFormWithNothingToGuardIsTheBranchForm) {
  Program p = parseOrDie(R"(
@main(n: int) {
  one: int = const 1;
  two: int = const 2;
  three: int = const 3;
  x: int = id n;
  steps: int = const 0;
.cond:
  eq_one: bool = eq x one;
  br eq_one .end .loop;
.loop:
  steps: int = add steps one;
  half: int = div x two;
  doublehalf: int = mul half two;
  even: bool = eq x doublehalf;
  br even .even .odd;
.even:
  x: int = div x two;
  jmp .cond;
.odd:
  x: int = mul x three;
  x: int = add x one;
  jmp .cond;
.end:
  print steps;
}
)");
  std::optional<test::ProfiledRun> o = test::profiledRun(p, {"27"});
  ASSERT_TRUE(o);
  ProgramWeights &w = o->weights;
  const Function &f = p.functions[0];
  std::vector<Trace> traces = selectTraces(f, w.of(f), o->profile().function("main"), {});
  ASSERT_FALSE(traces.empty());
  ASSERT_TRUE(traces[0].isLoop);
  SuperblockOptions so;
  for (unsigned k : {1u, 2u, 4u}) {
    Function spec = f, plain = f;
    FunctionWeights ws = w.of(f), wp = w.of(f);
    brisk::Outcome a = emitRegion(spec, ws, traces[0], so, {true, k, false});
    brisk::Outcome b = emitRegion(plain, wp, traces[0], so, {false, k, false});
    ASSERT_TRUE(a.ok && b.ok) << a.failure << b.failure;
    EXPECT_TRUE(a.sameAsBranchForm) << "K=" << k;
    EXPECT_FALSE(a.usedSpeculation);
    EXPECT_EQ(test::textOf(spec), test::textOf(plain)) << "K=" << k;
    EXPECT_EQ(a.saving(), b.saving());
    EXPECT_EQ(a.growth, b.growth);
  }
  // kLoop's rare branch stays in the loop: the speculative form guards it.
  Program q = parseOrDie(kLoop);
  std::optional<test::ProfiledRun> oq = test::profiledRun(q, {"100"});
  ASSERT_TRUE(oq);
  ProgramWeights &wq = oq->weights;
  Function &g = q.functions[0];
  std::vector<Trace> tq = selectTraces(g, wq.of(g), oq->profile().function("main"), {});
  ASSERT_FALSE(tq.empty());
  brisk::Outcome c = emitRegion(g, wq.of(g), tq[0], so, {true, 2, false});
  EXPECT_TRUE(c.ok && c.usedSpeculation);
  EXPECT_FALSE(c.sameAsBranchForm);
}

// The bound on a loop trace's saving (SuperblockFormation.h: "Bound") skips
// traces without building a candidate; it must skip only traces that the
// full search rejects. On the rotated Collatz loop (bench/big_function.py's
// shape after the pipeline: every branch common, no jump on the trace)
// it skips, and with it off every candidate is built and none chosen; on
// generated programs (hot loops, nests, folded arms) and hand-written loops
// the whole pipeline writes the same program with the bound on and off,
// and every trace the bound skipped is rejected with it off.
TEST(SuperblockBoundTest, SkipsOnlyTracesTheSearchRejects) {
  Program rotated = parseOrDie(R"(
@main(n: int) {
  one: int = const 1;
  two: int = const 2;
  x: int = id n;
  steps: int = const 0;
  eq_one: bool = eq x one;
  br eq_one .end .loop;
.even:
  x: int = div x two;
  eq_one: bool = eq x one;
  br eq_one .end .loop;
.loop:
  steps: int = add steps one;
  half: int = div x two;
  doublehalf: int = mul half two;
  even: bool = eq x doublehalf;
  br even .even .odd;
.odd:
  three: int = const 3;
  x: int = mul x three;
  x: int = add x one;
  eq_one: bool = eq x one;
  br eq_one .end .loop;
.end:
  print steps;
}
)");
  // From 7 the loop runs 16 times: each exit is taken 1 time in 11 or 5,
  // too often for a guard (maxGuardFailure 0.05).
  std::optional<test::ProfiledRun> o = test::profiledRun(rotated, {"7"});
  ASSERT_TRUE(o);
  ProgramWeights &w = o->weights;
  auto form = [&](bool bound, std::vector<RegionRemark> &remarks) {
    Function f = rotated.functions[0];
    FunctionWeights fw = w.of(f);
    SuperblockOptions so;
    so.boundSaving = bound;
    formSuperblocks(f, fw, o->profile().function("main"), f.instrCount(), so, &remarks);
    return test::textOf(f);
  };
  std::vector<RegionRemark> withBound, without;
  EXPECT_EQ(form(true, withBound), form(false, without));
  ASSERT_EQ(withBound.size(), without.size());
  ASSERT_FALSE(withBound.empty());
  EXPECT_EQ(withBound[0].decision, "rejected");
  EXPECT_EQ(withBound[0].reason.rfind("no form can save", 0), 0u) << withBound[0].reason;
  EXPECT_EQ(without[0].decision, "rejected");
  EXPECT_EQ(without[0].reason.rfind("no form saves", 0), 0u) << without[0].reason;

  unsigned skipped = 0, programs = 0;
  auto compare = [&](const Program &p, const std::vector<std::string> &args,
                     const std::string &what, int variant) {
    Outcome train = run(p, args, true);
    if (!train.ok || !train.profile)
      return;
    ++programs;
    std::vector<RegionRemark> on, off;
    Program a = p, b = p;
    for (bool bound : {true, false}) {
      SuperblockPipelineOptions options;
      options.superblocks.boundSaving = bound;
      // Also no guard at all (every candidate a branch form: the bound's
      // case, on more traces), forced speculation, and none.
      options.superblocks.maxGuardFailure = variant == 1 ? 0.0 : 0.05;
      options.superblocks.forceSpeculation = variant == 2;
      options.superblocks.speculation = variant != 3;
      PassContext ctx;
      runSuperblockPipeline(bound ? a : b, *train.profile, ctx, options, bound ? &on : &off);
      ASSERT_FALSE(ctx.failed()) << what;
    }
    auto text = [](const Program &q) {
      std::string all;
      for (const Function &f : q.functions)
        all += test::textOf(f);
      return all;
    };
    EXPECT_EQ(text(a), text(b)) << what;
    ASSERT_EQ(on.size(), off.size()) << what;
    for (size_t i = 0; i < on.size(); ++i) {
      EXPECT_EQ(on[i].trace, off[i].trace) << what;
      EXPECT_EQ(on[i].decision, off[i].decision) << what << " " << on[i].reason;
      if (on[i].reason.rfind("no form can save", 0) == 0)
        ++skipped;
    }
  };
  // formSuperblocks alone on every function, as the program is.
  unsigned formed = 0;
  auto formBoth = [&](const Program &p, const std::vector<std::string> &args,
                      const std::string &what, int variant) {
    Outcome train = run(p, args, true);
    if (!train.ok || !train.profile)
      return;
    ProgramWeights pw = ProgramWeights::fromProfile(p, *train.profile);
    for (const Function &f : p.functions) {
      std::vector<std::string> texts;
      std::vector<RegionRemark> remarks[2];
      for (bool bound : {true, false}) {
        Function g = f;
        FunctionWeights gw = pw.of(f);
        SuperblockOptions so;
        so.boundSaving = bound;
        so.maxGuardFailure = variant == 1 ? 0.0 : 0.05;
        so.forceSpeculation = variant == 2;
        so.speculation = variant != 3;
        formSuperblocks(g, gw, train.profile->function(f.name), f.instrCount(), so,
                        &remarks[bound]);
        texts.push_back(test::textOf(g));
      }
      EXPECT_EQ(texts[0], texts[1]) << what << " @" << f.name;
      ASSERT_EQ(remarks[0].size(), remarks[1].size()) << what;
      for (size_t i = 0; i < remarks[0].size(); ++i) {
        EXPECT_EQ(remarks[1][i].decision, remarks[0][i].decision) << what;
        if (remarks[1][i].reason.rfind("no form can save", 0) == 0)
          ++skipped;
        formed += remarks[0][i].decision != "rejected";
      }
    }
  };
  // The rotated loop with more in its body: prints (kept whatever they
  // read) of a value it has and of one it computes, and an invariant that unrolled
  // copies recompute (GuardFacts deletes them: a saving the bound must not
  // miss, and the one case here that the Folder run keeps from skipping).
  std::string text = test::textOf(rotated.functions[0]);
  std::vector<std::pair<std::string, std::string>> inserts = {
      {"  print half;\n", "skips"},
      {"  sum: int = add x steps;\n  print sum;\n", "skips"},
      {"  sq: int = mul n n;\n  steps: int = add steps sq;\n", "builds"}};
  for (auto &[insert, expect] : inserts) {
    std::string t = text;
    size_t at = t.find("  doublehalf: int = mul half two;");
    ASSERT_NE(at, std::string::npos);
    t.insert(at, insert);
    const unsigned skippedBefore = skipped, formedBefore = formed;
    formBoth(parseOrDie(t), {"7"}, t, 0);
    if (expect == "skips") {
      EXPECT_EQ(skipped, skippedBefore + 1) << t;
    } else {
      EXPECT_EQ(skipped, skippedBefore) << t;
      EXPECT_GT(formed, formedBefore) << t; // a region the bound would have lost
    }
  }
  for (int variant = 0; variant < 4; ++variant) {
    const std::string v = " variant " + std::to_string(variant);
    compare(rotated, {"7"}, "rotated Collatz" + v, variant);
    compare(rotated, {"27"}, "rotated Collatz from 27" + v, variant);
    compare(parseOrDie(kLoop), {"100"}, "kLoop" + v, variant);
    // Loops a branch form does save on, each exit taken one time in ten:
    // unrolled copies recompute an invariant (GuardFacts deletes them), a
    // value nothing reads (dead code deletes it), a jump back to the head.
    for (const char *body : {"  t: int = mul a a;\n  s: int = add s t;\n",
                             "  u: int = add s a;\n  s: int = add s one;\n",
                             "  s: int = add s a;\n  jmp .latch;\n.latch:\n"}) {
      std::string text = "@main(n: int) {\n  one: int = const 1;\n  a: int = id n;\n"
                         "  i: int = const 0;\n  s: int = const 0;\n.loop:\n";
      text += body;
      text += "  i: int = add i one;\n  c: bool = eq i n;\n  br c .end .loop;\n"
              ".end:\n  print s;\n}\n";
      compare(parseOrDie(text), {"10"}, text + v, variant);
      formBoth(parseOrDie(text), {"10"}, text + v, variant);
    }
  }
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    GenOptions go;
    go.seed = seed;
    go.size = 300;
    go.hotLoops = seed % 2 == 1;
    go.loopNests = seed % 3 == 0;
    go.foldedArms = seed % 5 == 0;
    go.floats = seed % 4 != 0;
    Program p = generateProgram(go);
    std::vector<std::string> args;
    for (int64_t a : generateArguments(seed, 0))
      args.push_back(std::to_string(a));
    compare(p, args, "seed " + std::to_string(seed), int(seed % 4));
    formBoth(p, args, "seed " + std::to_string(seed) + " (formSuperblocks alone)", int(seed % 4));
  }
  EXPECT_GT(programs, 50u);
  EXPECT_GT(skipped, 5u); // the comparison saw the bound at work
  EXPECT_GT(formed, 20u); // and regions it let through
}

// A straight trace .do -> .join -> .pre whose head is a do-while loop
// entered by falling through from .else, and whose .join is laid out apart
// from it (its own chain in the region scratch). The region's copy makes both
// originals unreachable; what remains of .join is the guard's recovery piece
// after `print t`. Spliced back, that piece must go where .join was: placed
// in front of the dead head, .else fell through into it and skipped the
// loop's prints and `print t` (fuzz seed 92198).
TEST(SuperblockScratchTest, AFallThroughIntoADeadHeadReachesTheRegion) {
  Program p = parseOrDie(R"(
@main(a: int, n: int) {
  one: int = const 1;
  t: bool = const true;
  zero: int = const 0;
  c: bool = lt zero n;
  br c .else .done;
.join:
  print t;
  k: int = const 0;
  go: bool = lt k a;
  br go .pre .done;
.else:
  i: int = const 0;
.do:
  print one;
  last: bool = eq i one;
  i: int = add i one;
  br last .join .do;
.pre:
  m: int = add a one;
  print m;
.body:
  print n;
  k: int = add k one;
  go: bool = lt k a;
  br go .body .done;
.done:
}
)");
  Program opt = p;
  std::optional<test::ProfiledRun> train = test::profiledRun(opt, {"30", "5"});
  ASSERT_TRUE(train);
  ProgramWeights &w = train->weights;
  Function &f = opt.functions[0];
  SuperblockOptions options;
  options.growthLimit = 8;
  options.forceSpeculation = true;
  options.trace.minEdgeProbability = 0.5; // .do's exit is taken once in two
  options.trace.minSeedCount = 1;
  std::vector<RegionRemark> remarks;
  formSuperblocks(f, w.of(f), train->profile().function("main"), f.instrCount(), options,
                  &remarks);
  bool regionAtDo = false;
  for (const RegionRemark &r : remarks)
    regionAtDo |= !r.trace.empty() && r.trace[0] == ".do" && r.trace.size() >= 2 &&
                  r.decision == "speculative";
  ASSERT_TRUE(regionAtDo);
  EXPECT_EQ(verifyEffects(opt), "");
  test::expectSameOnInputs(p, opt, {"30 5", "0 5", "3 -1", "1 1"}, "args");
}

TEST(GuardFactsTest, GuardImpliesComparisonsAndEqualities) {
  Program p = parseOrDie(R"(
@main(i: int, n: int, x: int) {
  four: int = const 4;
  one: int = const 1;
  speculate;
  c: bool = lt i n;
  guard c .out;
  d: bool = lt i n;
  guard d .out;
  e: bool = ge i n;
  br e .out .next;
.next:
  isfour: bool = eq x four;
  guard isfour .out;
  y: int = add x one;
  five: int = const 5;
  same: bool = eq y five;
  guard same .out;
  commit;
  print y;
.out:
}
)");
  Function &f = p.functions[0];
  EXPECT_TRUE(propagateGuardFacts(f));
  std::ostringstream os;
  printFunction(f, os);
  std::string text = os.str();
  // Only the first guard on lt i n and the one on eq x 4 remain.
  EXPECT_EQ(countOp(p, Opcode::Guard), 2u) << text;
  EXPECT_EQ(countOp(p, Opcode::Br), 0u) << text;
  EXPECT_NE(text.find("y: int = const 5;"), std::string::npos) << text;
}

// GuardFacts keeps a block's facts in arrays on a small function (a region
// scratch) and in hash tables on one of more than 4096 instructions: the
// same folding either way. 300 copies of the function above, each starting
// afresh at a join, fold as the one did.
TEST(GuardFactsTest, ALargeFunctionFoldsAsASmallOne) {
  std::string text = "@main(i: int, n: int, x: int) {\n  four: int = const 4;\n"
                     "  one: int = const 1;\n";
  const int copies = 300;
  for (int k = 0; k < copies; ++k) {
    const std::string next = ".next" + std::to_string(k), out = ".out" + std::to_string(k);
    text += "  speculate;\n  c: bool = lt i n;\n  guard c " + out + ";\n  d: bool = lt i n;\n"
            "  guard d " + out + ";\n  e: bool = ge i n;\n  br e " + out + " " + next + ";\n" +
            next + ":\n  isfour: bool = eq x four;\n  guard isfour " + out + ";\n"
            "  y: int = add x one;\n  five: int = const 5;\n  same: bool = eq y five;\n"
            "  guard same " + out + ";\n  commit;\n  print y;\n" + out + ":\n";
  }
  text += "}\n";
  Program p = parseOrDie(text);
  Function &f = p.functions[0];
  ASSERT_GT(f.instrCount(), 4096u);
  EXPECT_TRUE(propagateGuardFacts(f));
  std::ostringstream os;
  printFunction(f, os);
  std::string printed = os.str();
  EXPECT_EQ(countOp(p, Opcode::Guard), 2u * copies);
  EXPECT_EQ(countOp(p, Opcode::Br), 0u);
  size_t folded = 0;
  for (size_t at = printed.find("y: int = const 5;"); at != std::string::npos;
       at = printed.find("y: int = const 5;", at + 1))
    ++folded;
  EXPECT_EQ(folded, size_t(copies));
}

// selectTraces on the caller's CFG and dominators (what formSuperblocks
// shares with its first snapshot) chooses what it chooses on its own.
TEST(TraceSelectionTest, TheCallersCFGGivesTheSameTraces) {
  Program p = parseOrDie(kLoop);
  std::optional<test::ProfiledRun> o = test::profiledRun(p, {"100"});
  ASSERT_TRUE(o);
  ProgramWeights &w = o->weights;
  const Function &f = p.functions[0];
  CFG cfg(f);
  DominatorTree dom(cfg);
  std::vector<Trace> own = selectTraces(f, w.of(f), o->profile().function("main"), {});
  std::vector<Trace> shared =
      selectTraces(f, w.of(f), o->profile().function("main"), {}, cfg, dom);
  // kLoop has no phi, set, get or speculation: told so, selection skips
  // its look for them and chooses the same.
  std::vector<Trace> told =
      selectTraces(f, w.of(f), o->profile().function("main"), {}, cfg, dom, nullptr, true);
  ASSERT_FALSE(own.empty());
  ASSERT_EQ(own.size(), shared.size());
  ASSERT_EQ(own.size(), told.size());
  for (size_t i = 0; i < own.size(); ++i) {
    EXPECT_EQ(own[i].blocks, shared[i].blocks);
    EXPECT_EQ(own[i].isLoop, shared[i].isLoop);
    EXPECT_EQ(own[i].probability, shared[i].probability);
    EXPECT_EQ(own[i].blocks, told[i].blocks);
    EXPECT_EQ(own[i].probability, told[i].probability);
  }
}

// Whether every read is assigned is asked only once traces were found, and
// when the caller's answer shows nothing, DefiniteAssignment decides: a
// read that may find its variable unassigned keeps the function's code.
TEST(TraceSelectionTest, UnassignedReadsAreAskedAboutOnlyWithTraces) {
  Program p = parseOrDie(kLoop);
  const Function &f = p.functions[0];
  CFG cfg(f);
  DominatorTree dom(cfg);
  for (const char *n : {"0", "100"}) {
    SCOPED_TRACE(n);
    std::optional<test::ProfiledRun> o = test::profiledRun(p, {n});
    ASSERT_TRUE(o);
    ProgramWeights &w = o->weights;
    int asked = 0;
    std::vector<Trace> traces = selectTraces(f, w.of(f), o->profile().function("main"), {}, cfg,
                                             dom, [&] { return ++asked, false; });
    EXPECT_EQ(asked, traces.empty() ? 0 : 1);
    EXPECT_EQ(traces.empty(), std::string(n) == "0"); // a cold loop seeds nothing
  }
  Program q = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  big: bool = gt n one;
  br big .set .head;
.set:
  x: int = const 5;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  i: int = add i x;
  jmp .head;
.done:
  print i;
}
)");
  std::optional<test::ProfiledRun> o = test::profiledRun(q, {"100"});
  ASSERT_TRUE(o);
  ProgramWeights &w = o->weights;
  const Function &g = q.functions[0];
  CFG gc(g);
  DominatorTree gd(gc);
  int asked = 0;
  EXPECT_TRUE(selectTraces(g, w.of(g), o->profile().function("main"), {}, gc, gd,
                           [&] { return ++asked, false; })
                  .empty());
  EXPECT_EQ(asked, 1);
}

// formSuperblocks answers trace selection's question from liveness: no
// variable but a parameter live into the entry. Here `x` is live into the
// entry (.done reads it on a path that skips the loop), yet the loop's
// first test is known to pass, so DefiniteAssignment finds every read
// assigned: liveness shows nothing, and the trace is still formed.
TEST(SuperblockFormationTest, ReadsLivenessCannotShowAssignedAskDefiniteAssignment) {
  Program p = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
  lim: int = const 99;
  one: int = const 1;
.head:
  c: bool = lt i lim;
  br c .body .done;
.body:
  x: int = add i n;
  i: int = add i one;
  jmp .head;
.done:
  print x;
}
)");
  const Function &f = p.functions[0];
  ASSERT_FALSE(hasPossiblyUndefinedRead(f));
  LiveSets liveIn = speculativeLiveIn(f);
  llvm::ArrayRef<VarId> live = liveIn[f.entry()];
  EXPECT_TRUE(std::find(live.begin(), live.end(), *f.lookupVar("x")) != live.end());
  std::vector<RegionRemark> remarks;
  Program opt = formOnly(p, {"3"}, remarks);
  EXPECT_FALSE(remarks.empty());
  Outcome a = run(p, {"3"}), b = run(opt, {"3"});
  EXPECT_EQ(a.out, b.out);
}

TEST(DeadCodeTest, ValuesOnlyTheRecoveryPathNeedsAreDeadInsideSpeculation) {
  // t is read at .slow only. Before the speculate it is live (the rollback
  // restores it); its redefinition inside speculation is dead.
  Program p = parseOrDie(R"(
@main(a: int) {
  t: int = const 1;
.fast:
  speculate;
  t: int = add a a;
  zero: int = const 0;
  ok: bool = gt a zero;
  guard ok .slow;
  commit;
  print a;
  ret;
.slow:
  print t;
}
)");
  Function &f = p.functions[0];
  EXPECT_TRUE(eliminateDeadCode(f));
  std::ostringstream os;
  printFunction(f, os);
  EXPECT_EQ(os.str().find("add a a"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("t: int = const 1"), std::string::npos) << os.str();
  EXPECT_EQ(run(p, {"-3"}).out, "1\n");
}

TEST(SuperblockBenchTest, EveryBenchmarkKeepsItsOutputOnEveryInput) {
  std::vector<test::Bench> all = test::manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  size_t speculating = 0;
  for (const test::Bench &b : all) {
    SCOPED_TRACE(b.id());
    std::optional<Program> p = test::loadBenchmark(b);
    ASSERT_TRUE(p);
    Program opt = optimize(*p, splitArgs(b.args));
    EXPECT_EQ(verifyEffects(opt), "");
    speculating += countOp(opt, Opcode::Speculate) > 0;
    for (const std::string &args : b.inputs()) {
      SCOPED_TRACE("args: " + args);
      Outcome a = run(*p, splitArgs(args)), c = run(opt, splitArgs(args));
      EXPECT_EQ(a.ok, c.ok) << c.error;
      EXPECT_EQ(a.out, c.out);
      if (args == b.args) {
        EXPECT_LE(c.dyn, a.dyn + a.dyn / 50 + 10); // never much worse where profiled
      }
    }
  }
  std::printf("benchmarks that speculate: %zu of %zu\n", speculating, all.size());
}

} // namespace
// formSuperblocks builds its first CFG from the terminators alone when the
// constants' walk saw no `guard`; with a guard it must keep the guard's
// abort edge. Here the hot loop is reachable only through that edge (the
// guard always fails): a CFG without it would see no trace there.
TEST(SuperblockTest, FirstCFGKeepsAGuardsAbortEdge) {
  Program p = parseOrDie(R"(
@main(a: int) {
  one: int = const 1;
  two: int = const 2;
  zero: int = const 0;
  steps: int = const 0;
  x: int = id a;
  speculate;
  ok: bool = gt a zero;
  guard ok .slow;
  commit;
  print a;
  ret;
.slow:
  x: int = sub zero a;
  x: int = add x one;
.loop:
  steps: int = add steps one;
  half: int = div x two;
  doublehalf: int = mul half two;
  even: bool = eq x doublehalf;
  br even .even .odd;
.even:
  x: int = div x two;
  eq_one: bool = eq x one;
  br eq_one .end .loop;
.odd:
  three: int = const 3;
  x: int = mul x three;
  x: int = add x one;
  eq_one: bool = eq x one;
  br eq_one .end .loop;
.end:
  print steps;
}
)");
  std::optional<test::ProfiledRun> o = test::profiledRun(p, {"-26"});
  ASSERT_TRUE(o);
  Function f = p.functions[0];
  FunctionWeights fw = o->weights.of(f);
  std::vector<RegionRemark> remarks;
  formSuperblocks(f, fw, o->profile().function("main"), f.instrCount(), SuperblockOptions{},
                  &remarks);
  bool loopTrace = false;
  for (const RegionRemark &r : remarks)
    for (const std::string &b : r.trace)
      loopTrace |= b.find("loop") != std::string::npos;
  EXPECT_TRUE(loopTrace);
}

} // namespace brisk
