// The profile-guided inliner (transforms/interprocedural/Inline.h): the exact code it writes
// for small programs (expected text), the weights it leaves behind, its
// limits (recursion depth, size, hotness, budgets), and semantics: every
// program, and every shared benchmark on its shipped arguments and on the
// held-out inputs of bench/inputs.tsv, prints the same and executes no more
// instructions after inlining. Programs are profiled and run in-process.
#include "analysis/CFG.h"
#include "analysis/Liveness.h"
#include "analysis/Verifier.h"
#include "backend/TextPrinter.h"
#include "frontend/Loader.h"
#include "interp/Interpreter.h"
#include "test/SharedData.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/interprocedural/Inline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace brisk {
namespace {

using test::Outcome;
using test::parseOrDie;
using test::Bench;
using test::manifest;
using test::run;
using test::splitArgs;
using test::textOf;
using test::verifyMessages;

// Profiles `p` on `args` and inlines with `options`.
ProgramWeights profileAndInline(Program &p, const std::vector<std::string> &args,
                                const InlineOptions &options = {}, InlineStats *stats = nullptr,
                                bool *changed = nullptr) {
  std::optional<test::ProfiledRun> r = test::profiledRun(p, args);
  if (!r)
    return {};
  bool c = inlineHotCalls(p, r->weights, options, stats);
  if (changed)
    *changed = c;
  EXPECT_EQ(verifyMessages(p), "");
  return std::move(r->weights);
}

// Same output before and after; no more instructions after; returns the
// dynamic counts.
std::pair<uint64_t, uint64_t> expectSameBehaviour(const std::string &text,
                                                  const std::vector<std::string> &args,
                                                  const InlineOptions &options = {}) {
  return test::expectSameAndNoSlower(text, args,
                                     [&](Program &p) { profileAndInline(p, args, options); });
}

// --- the code written -----------------------------------------------------

const char kSquareLoop[] = R"(
@square(x: int): int {
  r: int = mul x x;
  ret r;
}
@main {
  i: int = const 0;
  n: int = const 5;
  s: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  q: int = call @square i;
  s: int = add s q;
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(InlineTest, SingleReturnFallsIntoTheContinuationWithoutGlue) {
  Program p = parseOrDie(kSquareLoop);
  InlineStats stats;
  bool changed = false;
  profileAndInline(p, {}, {}, &stats, &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(stats.sitesInlined, 1u);
  // The parameter is read in place, the result is computed straight into q,
  // and the copy falls into the continuation: no id, no jmp.
  EXPECT_EQ(textOf(*p.findFunction("main")), R"(@main {
  i: int = const 0;
  n: int = const 5;
  s: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
.square.b.1:
  q: int = mul i i;
.body.after.2:
  s: int = add s q;
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)");
}

TEST(InlineTest, SingleReturnSavesCallAndRetPerIteration) {
  auto [before, after] = expectSameBehaviour(kSquareLoop, {});
  EXPECT_EQ(after, before - 2 * 5); // five calls, each a call and a ret
}

const char kTwoReturns[] = R"(
@clamp(v: int, hi: int): int {
  big: bool = gt v hi;
  br big .cut .keep;
.keep:
  ret v;
.cut:
  ret hi;
}
@main(n: int) {
  i: int = const 0;
  t: int = const 0;
  lim: int = const 3;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  k: int = call @clamp i lim;
  t: int = add t k;
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print t;
}
)";

TEST(InlineTest, HottestReturnIsLaidOutLastAndOthersJumpToTheContinuation) {
  Program p = parseOrDie(kTwoReturns);
  profileAndInline(p, {"10"});
  // .cut runs 6 of 10 times: it moves to the end and falls into the
  // continuation; .keep copies and jumps.
  EXPECT_EQ(textOf(*p.findFunction("main")), R"(@main(n: int) {
  i: int = const 0;
  t: int = const 0;
  lim: int = const 3;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
.clamp.b.1:
  big.5: bool = gt i lim;
  br big.5 .clamp.cut.3 .clamp.keep.2;
.clamp.keep.2:
  k: int = id i;
  jmp .body.after.4;
.clamp.cut.3:
  k: int = id lim;
.body.after.4:
  t: int = add t k;
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print t;
}
)");
}

const char kSignLoop[] = R"(
@sign(v: int): int {
  z: int = const 0;
  neg: bool = lt v z;
  br neg .neg .pos;
.neg:
  m: int = const -1;
  ret m;
.pos:
  p: int = const 1;
  ret p;
}
@main {
  i: int = const -3;
  t: int = const 0;
  one: int = const 1;
  lim: int = const 4;
.loop:
  c: bool = lt i lim;
  br c .body .done;
.body:
  q: int = call @sign i;
  t: int = add t q;
  i: int = add i one;
  jmp .loop;
.done:
  print t;
}
)";

TEST(InlineTest, ReturnedVariablesThatDoNotInterfereAllBecomeTheDestination) {
  const char *text = kSignLoop;
  Program p = parseOrDie(text);
  profileAndInline(p, {});
  // m and p are never live at once: both are computed straight into q.
  EXPECT_EQ(textOf(*p.findFunction("main")), R"(@main {
  i: int = const -3;
  t: int = const 0;
  one: int = const 1;
  lim: int = const 4;
.loop:
  c: bool = lt i lim;
  br c .body .done;
.body:
.sign.b.1:
  z.5: int = const 0;
  neg.6: bool = lt i z.5;
  br neg.6 .sign.neg.2 .sign.pos.3;
.sign.neg.2:
  q: int = const -1;
  jmp .body.after.4;
.sign.pos.3:
  q: int = const 1;
.body.after.4:
  t: int = add t q;
  i: int = add i one;
  jmp .loop;
.done:
  print t;
}
)");
  expectSameBehaviour(text, {});
}

// s is still live where d is defined, so only one of them (the one the hot
// exit returns) can live in the destination.
const char kPickLoop[] = R"(
@pick(a: int, b: int): int {
  s: int = add a b;
  d: int = sub a b;
  z: int = const 0;
  small: bool = lt d z;
  br small .sum .diff;
.sum:
  ret s;
.diff:
  ret d;
}
@main {
  i: int = const 0;
  t: int = const 0;
  one: int = const 1;
  lim: int = const 6;
  two: int = const 2;
.loop:
  c: bool = lt i lim;
  br c .body .done;
.body:
  q: int = call @pick i two;
  t: int = add t q;
  i: int = add i one;
  jmp .loop;
.done:
  print t;
}
)";

TEST(InlineTest, InterferingReturnedVariablesKeepACopy) {
  const char *text = kPickLoop;
  Program p = parseOrDie(text);
  profileAndInline(p, {});
  std::string main = textOf(*p.findFunction("main"));
  EXPECT_EQ(main.find("call"), std::string::npos) << main;
  EXPECT_NE(main.find("q: int = sub i two;"), std::string::npos) << main; // d: 4 of 6 exits
  EXPECT_NE(main.find("q: int = id s."), std::string::npos) << main;
  expectSameBehaviour(text, {});
}

TEST(InlineTest, WrittenParameterIsCopiedAndVoidCalleeFallsOffItsEnd) {
  const char text[] = R"(
@countdown(n: int) {
  one: int = const 1;
.top:
  z: bool = le n one;
  br z .out .more;
.more:
  n: int = sub n one;
  jmp .top;
.out:
  print n;
  ret;
}
@show(v: int) {
  print v;
}
@main {
  a: int = const 4;
  call @countdown a;
  call @countdown a;
  call @show a;
}
)";
  Program p = parseOrDie(text);
  InlineOptions once{.minSiteCount = 1, .minSiteCountWithLoops = 1};
  profileAndInline(p, {}, once);
  std::string main = textOf(*p.findFunction("main"));
  // Both sites are inlined; n is written, so each gets a copy of `a`, and `a`
  // itself is untouched (printed as 4 at the end).
  EXPECT_EQ(main.find("call"), std::string::npos) << main;
  EXPECT_NE(main.find("n.1: int = id a;"), std::string::npos) << main;
  auto [before, after] = expectSameBehaviour(text, {}, once);
  // @countdown: call and ret gone, one id added; @show: call gone, it had no
  // ret (it falls off its end) and needs no copy.
  EXPECT_EQ(after, before - 2 * 1 - 1);
}

// A leaf whose inlined glue costs more than its call and ret (both
// parameters written, the arguments live after the call): left a call, unless
// the site is in a loop and the credit for a loop left call-free (which may
// then speculate) is on; a site outside any loop gets no credit.
TEST(InlineTest, LeafInALoopIsInlinedOnlyWithTheCallFreeLoopCredit) {
  const char text[] = R"(
@mix(a: int, b: int): int {
  a: int = add a b;
  b: int = mul a b;
  ret b;
}
@main {
  i: int = const 0;
  n: int = const 6;
  s: int = const 0;
  one: int = const 1;
  t: int = call @mix n one;
  t: int = call @mix n one;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  q: int = call @mix i s;
  s: int = add s q;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
  print t;
  print i;
  print n;
}
)";
  auto callsInMain = [](const Program &p) {
    std::string main = textOf(*p.findFunction("main"));
    size_t n = 0;
    for (size_t at = main.find("call @mix"); at != std::string::npos;
         at = main.find("call @mix", at + 1))
      ++n;
    return n;
  };
  Program plain = parseOrDie(text);
  profileAndInline(plain, {});
  EXPECT_EQ(callsInMain(plain), 3u) << toText(plain);
  InlineOptions credited;
  credited.callFreeLoopCredit = 3;
  Program p = parseOrDie(text);
  profileAndInline(p, {}, credited);
  // The loop's site is inlined; the two straight-line ones stay calls.
  EXPECT_EQ(callsInMain(p), 2u) << toText(p);
  Outcome before = run(parseOrDie(text), {}), after = run(p, {});
  EXPECT_TRUE(after.ok) << after.error;
  EXPECT_EQ(after.out, before.out);
}

TEST(InlineTest, WrittenParameterUsesAnArgumentThatIsDeadAfterTheCall) {
  const char text[] = R"(
@halve(n: int): int {
  two: int = const 2;
  n: int = div n two;
  ret n;
}
@main {
  i: int = const 0;
  t: int = const 0;
  one: int = const 1;
  lim: int = const 5;
.loop:
  c: bool = lt i lim;
  br c .body .done;
.body:
  arg: int = add i i;
  h: int = call @halve arg;
  keep: int = add i one;
  k: int = call @halve keep;
  t: int = add t h;
  t: int = add t keep;
  i: int = add i one;
  jmp .loop;
.done:
  print t;
}
)";
  Program p = parseOrDie(text);
  profileAndInline(p, {});
  std::string main = textOf(*p.findFunction("main"));
  EXPECT_EQ(main.find("call"), std::string::npos) << main;
  // `arg` dies at its call: the copy divides it in place, and needs one copy
  // for the result. `keep` is read later: the copy gets its own n.
  EXPECT_NE(main.find("arg: int = div arg two."), std::string::npos) << main;
  EXPECT_NE(main.find("h: int = id arg;"), std::string::npos) << main;
  EXPECT_NE(main.find("k: int = id keep;"), std::string::npos) << main;
  expectSameBehaviour(text, {});
}

// A caller of many loops, each with counters of its own, has more blocks x
// variables than dense live sets are built for (analysis/Liveness.h,
// chooseLivenessForm): whether an argument is dead after its call then
// comes from the sparse sets, and must be what the dense sets say. In every
// 50th loop `t` is passed to a function that writes its parameter; t is
// read nowhere after the call in its block, but every other such loop
// reads it again at its exit (live out of the loop: the copy needs a
// parameter of its own).
TEST(InlineTest, BigCallerAsksTheSparseLiveSetsAndInlinesAsWithTheDenseOnes) {
  constexpr int kLoops = 600, kEvery = 50;
  std::string text = "@halve(n: int): int {\n  two: int = const 2;\n  n: int = div n two;\n"
                     "  ret n;\n}\n@main(n: int) {\n  s: int = const 0;\n  one: int = const 1;\n";
  for (int k = 0; k < kLoops; ++k) {
    const std::string K = std::to_string(k), i = "i" + K, t = "t" + K;
    text += "  " + i + ": int = const 0;\n.h" + K + ":\n  " + t + ": int = add " + i + " one;\n";
    if (k % kEvery == 0)
      text += "  r" + K + ": int = call @halve " + t + ";\n  s: int = add s r" + K + ";\n";
    else
      text += "  s: int = add s " + t + ";\n";
    text += "  " + i + ": int = add " + i + " one;\n  c" + K + ": bool = lt " + i + " n;\n  br c" +
            K + " .h" + K + " .x" + K + ";\n.x" + K + ":\n";
    if (k % (2 * kEvery) == kEvery)
      text += "  s: int = add s " + t + ";\n";
  }
  text += "  print s;\n}\n";
  {
    Program p = parseOrDie(text);
    const Function &main = *p.findFunction("main");
    CFG cfg(main);
    ASSERT_EQ(chooseLivenessForm(cfg.numBlocks(), main.numVars(), main.instrCount()),
              LivenessForm::Sparse);
  }
  Program sparse = parseOrDie(text), dense = parseOrDie(text);
  profileAndInline(sparse, {"3"});
  detail::forcedLivenessForm = LivenessForm::Dense;
  profileAndInline(dense, {"3"});
  detail::forcedLivenessForm.reset();
  const std::string main = textOf(*sparse.findFunction("main"));
  EXPECT_EQ(main, textOf(*dense.findFunction("main")));
  EXPECT_EQ(main.find("call"), std::string::npos);
  for (int k = 0; k < kLoops; k += kEvery) {
    // Dead after the call: halved in place, copied into the result. Live
    // out of its loop: copied straight into the result, halved there.
    const std::string K = std::to_string(k);
    const bool live = k % (2 * kEvery) == kEvery;
    const std::string expected =
        live ? "  r" + K + ": int = id t" + K + ";\n" : "  t" + K + ": int = div t" + K + " two.";
    EXPECT_NE(main.find(expected), std::string::npos) << "loop " << k << ":\n" << main;
  }
  expectSameBehaviour(text, {"3"});
}

// Inlines `loaded` with each form of the live sets (forced:
// analysis/Liveness.h, detail); expects the same program. Returns whether
// it inlined.
bool expectSameWithEitherLiveSets(const Program &loaded, const std::vector<std::string> &args) {
  std::string texts[2];
  bool changed = false;
  for (LivenessForm form : {LivenessForm::Dense, LivenessForm::Sparse}) {
    Program p = loaded;
    detail::forcedLivenessForm = form;
    profileAndInline(p, args, {}, nullptr, &changed);
    for (const Function &f : p.functions)
      texts[form == LivenessForm::Sparse] += textOf(f);
  }
  detail::forcedLivenessForm.reset();
  EXPECT_EQ(texts[1], texts[0]);
  return changed;
}

// The two forms make the same decisions, the callee's (its returned
// variables that can share the destination: both when they can and when
// they interfere) and the caller's, also on every shared benchmark.
TEST(InlineTest, SparseAndDenseLiveSetsInlineAlike) {
  EXPECT_TRUE(expectSameWithEitherLiveSets(parseOrDie(kSignLoop), {}));
  EXPECT_TRUE(expectSameWithEitherLiveSets(parseOrDie(kPickLoop), {}));
  std::vector<Bench> all = manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  unsigned changed = 0;
  for (const Bench &b : all) {
    SCOPED_TRACE(b.id());
    std::optional<Program> loaded = test::loadBenchmark(b);
    ASSERT_TRUE(loaded);
    changed += expectSameWithEitherLiveSets(*loaded, splitArgs(b.args));
  }
  EXPECT_GT(changed, 10u); // the comparison saw inlining
}

TEST(InlineTest, DestinationThatIsAlsoAnArgumentKeepsTheReturnCopy) {
  const char text[] = R"(
@inc(x: int): int {
  one: int = const 1;
  y: int = add x one;
  ret y;
}
@main {
  x: int = const 1;
  x: int = call @inc x;
  x: int = call @inc x;
  print x;
}
)";
  Program p = parseOrDie(text);
  profileAndInline(p, {}, InlineOptions{.minSiteCount = 1});
  std::string main = textOf(*p.findFunction("main"));
  EXPECT_EQ(main.find("call"), std::string::npos) << main;
  EXPECT_NE(main.find("x: int = id y."), std::string::npos) << main;
  expectSameBehaviour(text, {}, InlineOptions{.minSiteCount = 1});
}

// --- weights ----------------------------------------------------------------

TEST(InlineTest, WeightsOfTheCopyScaleWithTheSiteAndTheCalleeKeepsTheRest) {
  const char text[] = R"(
@f(v: int): int {
  z: int = const 0;
  neg: bool = lt v z;
  br neg .n .p;
.n:
  r: int = sub z v;
  ret r;
.p:
  ret v;
}
@main {
  i: int = const 0;
  m: int = const 4;
  one: int = const 1;
  t: int = const 0;
.loop:
  c: bool = lt i m;
  br c .body .done;
.body:
  a: int = call @f i;
  t: int = add t a;
  i: int = add i one;
  jmp .loop;
.done:
  b: int = call @f t;
  print b;
}
)";
  Program p = parseOrDie(text);
  // Only the loop site is hot enough.
  ProgramWeights w = profileAndInline(p, {}, InlineOptions{.minSiteCount = 2});
  const Function &main = *p.findFunction("main");
  const Function &f = *p.findFunction("f");
  FunctionWeights &mw = w.of(main), &fw = w.of(f);
  BlockId body = *main.findBlock("body");
  BlockId after = *main.findBlock("body.after.4");
  BlockId copyEntry = *main.findBlock("f.b.1");
  BlockId copyP = *main.findBlock("f.p.3");
  EXPECT_EQ(mw.block(body), 4);
  EXPECT_EQ(mw.block(after), 4);
  EXPECT_EQ(mw.block(copyEntry), 4);
  EXPECT_EQ(mw.block(copyP), 4);
  EXPECT_EQ(mw.edge(body, copyEntry), 4);
  EXPECT_EQ(mw.edge(copyP, after), 4);
  EXPECT_EQ(mw.edge(after, *main.findBlock("loop")), 4);
  EXPECT_EQ(mw.edge(body, after), 0);
  // @f was entered 5 times, 4 of them from the inlined site.
  EXPECT_EQ(fw.entryCount, 1);
  EXPECT_DOUBLE_EQ(fw.block(f.entry()), 1);
  // The cold site is still a call.
  EXPECT_NE(textOf(main).find("b: int = call @f t;"), std::string::npos);
}

// --- limits -----------------------------------------------------------------

const char kFib[] = R"(
@fib(n: int): int {
  two: int = const 2;
  small: bool = lt n two;
  br small .base .rec;
.base:
  ret n;
.rec:
  one: int = const 1;
  a: int = sub n one;
  x: int = call @fib a;
  b: int = sub n two;
  y: int = call @fib b;
  r: int = add x y;
  ret r;
}
@main(n: int) {
  v: int = call @fib n;
  print v;
}
)";

unsigned callsTo(const Function &f, const std::string &callee) {
  unsigned n = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      n += in.op == Opcode::Call && in.callee == callee;
  return n;
}

TEST(InlineTest, RecursionIsUnrolledOnlyToTheConfiguredDepth) {
  std::vector<unsigned> fibCalls;
  for (unsigned depth : {0u, 1u, 2u}) {
    SCOPED_TRACE(depth);
    InlineOptions o;
    o.maxRecursiveDepth = depth;
    o.maxCalleeSize = 100000;
    o.callerGrowthFactor = o.programGrowthFactor = 1000;
    Program p = parseOrDie(kFib);
    profileAndInline(p, {"12"}, o);
    fibCalls.push_back(callsTo(*p.findFunction("fib"), "fib"));
    // Budgets are out of the way: only the depth stops the unrolling, and
    // the recursion itself is still there.
    EXPECT_GT(callsTo(*p.findFunction("main"), "fib"), 0u);
    expectSameBehaviour(kFib, {"12"}, o);
  }
  // Depth 0: @fib is not inlined into itself (its two sites stay); each
  // further level multiplies the recursive sites, and stops.
  EXPECT_EQ(fibCalls[0], 2u);
  EXPECT_GT(fibCalls[1], fibCalls[0]);
  EXPECT_GT(fibCalls[2], fibCalls[1]);
  EXPECT_LT(fibCalls[2], 200u);
}

TEST(InlineTest, MutualRecursionTerminates) {
  const char text[] = R"(
@even(n: int): bool {
  z: int = const 0;
  done: bool = eq n z;
  br done .yes .no;
.yes:
  t: bool = const true;
  ret t;
.no:
  one: int = const 1;
  m: int = sub n one;
  r: bool = call @odd m;
  ret r;
}
@odd(n: int): bool {
  z: int = const 0;
  done: bool = eq n z;
  br done .yes .no;
.yes:
  f: bool = const false;
  ret f;
.no:
  one: int = const 1;
  m: int = sub n one;
  r: bool = call @even m;
  ret r;
}
@main(n: int) {
  v: bool = call @even n;
  print v;
}
)";
  InlineOptions o;
  o.callerGrowthFactor = o.programGrowthFactor = 1000;
  o.maxCalleeSize = 100000;
  Program p = parseOrDie(text);
  InlineStats stats;
  profileAndInline(p, {"40"}, o, &stats);
  EXPECT_GT(stats.sitesInlined, 0u);
  EXPECT_LT(stats.sitesInlined, 40u);
  expectSameBehaviour(text, {"40"}, o);
  expectSameBehaviour(text, {"41"}, o);
}

// A call the caller may reach under its own speculation is an error under
// brili; inlined, it would succeed. The same callee is inlined where the
// caller does not speculate.
TEST(InlineTest, CallThatMayRunUnderTheCallersSpeculationStaysACall) {
  Program p = parseOrDie(R"(
@inc(x: int): int {
  one: int = const 1;
  r: int = add x one;
  ret r;
}
@main(n: int, spec: bool) {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
.plain:
  c: bool = lt i n;
  br c .pbody .start;
.pbody:
  s: int = call @inc s;
  i: int = add i one;
  jmp .plain;
.start:
  i: int = const 0;
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
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)");
  std::optional<test::ProfiledRun> r = test::profiledRun(p, {"20", "false"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(inlineHotCalls(p, r->weights, InlineOptions{}));
  const Function &main = *p.findFunction("main");
  EXPECT_EQ(test::countOp(main, Opcode::Call), 1u) << textOf(main);
  Outcome after = run(p, {"3", "true"});
  EXPECT_FALSE(after.ok);
  EXPECT_EQ(after.error, "call not allowed during speculation");
  EXPECT_EQ(run(p, {"20", "false"}).out, r->outcome.out);
}

TEST(InlineTest, ColdBigMainAndUnprofiledSitesStayCalls) {
  const char text[] = R"(
@big(a: int): int {
  b: int = add a a;
  c: int = add b b;
  d: int = add c c;
  e: int = add d d;
  ret e;
}
@never(a: int) {
  print a;
}
@main(n: int) {
  one: int = const 1;
  z: int = const 0;
  go: bool = lt n z;
  br go .cold .hot;
.cold:
  call @never n;
.hot:
  i: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  x: int = call @big i;
  i: int = add i one;
  jmp .loop;
.done:
  print i;
}
)";
  {
    Program p = parseOrDie(text);
    bool changed = true;
    profileAndInline(p, {"5"}, InlineOptions{.maxCalleeSize = 4}, nullptr, &changed);
    EXPECT_FALSE(changed); // @big has 5 instructions
  }
  {
    Program p = parseOrDie(text);
    profileAndInline(p, {"5"}, InlineOptions{.minSiteCount = 6});
    EXPECT_EQ(callsTo(*p.findFunction("main"), "big"), 1u); // 5 < 6
  }
  {
    Program p = parseOrDie(text);
    profileAndInline(p, {"5"});
    EXPECT_EQ(callsTo(*p.findFunction("main"), "big"), 0u);
    EXPECT_EQ(callsTo(*p.findFunction("main"), "never"), 1u);
  }
  {
    // No growth allowed at all.
    Program p = parseOrDie(text);
    bool changed = true;
    InlineOptions o;
    o.callerGrowthFactor = 0;
    o.callerGrowthConstant = 0;
    profileAndInline(p, {"5"}, o, nullptr, &changed);
    EXPECT_FALSE(changed);
  }
  expectSameBehaviour(text, {"5"});
}

TEST(InlineTest, CalleeWithLoopsAndBranchesAtItsEntry) {
  // The callee's entry is a loop header: B must fall into it from outside,
  // with the copies of written parameters before it.
  const char text[] = R"(
@sum(n: int): int {
.top:
  z: int = const 0;
  stop: bool = le n z;
  br stop .end .step;
.step:
  one: int = const 1;
  n: int = sub n one;
  jmp .top;
.end:
  ret n;
}
@main {
  k: int = const 0;
  t: int = const 0;
  lim: int = const 6;
.loop:
  c: bool = lt k lim;
  br c .body .done;
.body:
  v: int = call @sum k;
  t: int = add t v;
  one: int = const 1;
  k: int = add k one;
  jmp .loop;
.done:
  print t k;
}
)";
  Program p = parseOrDie(text);
  profileAndInline(p, {});
  EXPECT_EQ(callsTo(*p.findFunction("main"), "sum"), 0u);
  expectSameBehaviour(text, {});
}

// --- every shared benchmark ---------------------------------------------------

// name -> the two held-out argument strings from bench/inputs.tsv.
TEST(InlineTest, EveryBenchmarkKeepsItsOutputAndRunsNoMoreInstructions) {
  std::vector<Bench> all = manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  double logSum = 0;
  unsigned n = 0, changedCount = 0, heldOutRuns = 0;
  std::printf("%-34s %12s %12s %8s %6s\n", "benchmark", "before", "after", "ratio", "sites");
  for (const Bench &b : all) {
    std::string id = b.id();
    SCOPED_TRACE(id);
    std::optional<Program> loaded = test::loadBenchmark(b);
    ASSERT_TRUE(loaded);
    Program p = std::move(*loaded);
    const Program original = p;
    std::vector<std::string> args = splitArgs(b.args);
    Outcome before = run(p, args);
    ASSERT_TRUE(before.ok) << before.error;
    InlineStats stats;
    profileAndInline(p, args, {}, &stats);
    Outcome after = run(p, args);
    EXPECT_TRUE(after.ok) << after.error;
    EXPECT_EQ(after.out, before.out);
    EXPECT_LE(after.dyn, before.dyn);
    double ratio = double(after.dyn) / double(before.dyn);
    logSum += std::log(ratio);
    ++n;
    changedCount += stats.sitesInlined > 0;
    std::printf("%-34s %12llu %12llu %8.4f %6u\n", id.c_str(), (unsigned long long)before.dyn,
                (unsigned long long)after.dyn, ratio, stats.sitesInlined);
    // The program was specialised to one input; it must stay correct on others.
    for (const std::string &held : b.extra) {
      Outcome o = run(original, splitArgs(held)), i = run(p, splitArgs(held));
      EXPECT_EQ(i.ok, o.ok) << held << ": " << i.error;
      EXPECT_EQ(i.out, o.out) << held;
      EXPECT_LE(i.dyn, o.dyn) << held;
      ++heldOutRuns;
    }
  }
  double geomean = std::exp(logSum / n);
  std::printf("inlined into %u of %u benchmarks; geometric mean dynamic instruction ratio "
              "%.4f; %u held-out runs checked\n",
              changedCount, n, geomean, heldOutRuns);
  RecordProperty("geomean_ratio", std::to_string(geomean));
  EXPECT_LT(geomean, 1.0);
}

} // namespace
} // namespace brisk
