// Tail-recursion and accumulator-recursion elimination
// (transforms/interprocedural/TailRecursion.h): the code it writes for small programs
// (expected text), what it leaves alone, the weights it leaves behind, and
// semantics: programs print the same before and after, and after the pass
// and the SSA clean-up run fewer instructions; every shared benchmark keeps
// its output on its shipped and held-out inputs. Programs run in-process.
// The exact before/after text of the pass alone is in test/golden/opt/tre-*.
#include "analysis/CFG.h"
#include "analysis/Liveness.h"
#include "analysis/Verifier.h"
#include "backend/TextPrinter.h"
#include "frontend/Loader.h"
#include "interp/Interpreter.h"
#include "test/SharedData.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/Pipeline.h"
#include "transforms/interprocedural/TailRecursion.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

namespace brisk {
namespace {

using test::parseOrDie;
using test::Bench;
using test::Outcome;
using test::manifest;
using test::run;
using test::splitArgs;
using test::textOf;
using test::verifyMessages;

Function &fn(Program &p, const char *name) {
  Function *f = p.findFunction(name);
  EXPECT_NE(f, nullptr) << name;
  return *f;
}

// The pass, then the SSA clean-up the pipeline runs after it.
void eliminateAndClean(Program &p) {
  eliminateTailRecursion(p, nullptr);
  EXPECT_EQ(verifyMessages(p), "");
  PassOptions po;
  po.validate = true;
  PassContext ctx(po);
  runOptimizationPipeline(p, ctx, 2);
  EXPECT_FALSE(ctx.failed());
}

// Same output and status on every argument list; on the first, fewer
// instructions after the pass and the clean-up than after the clean-up alone.
void expectFasterAndSame(const std::string &text, const std::vector<std::string> &runs) {
  Program original = parseOrDie(text);
  Program cleaned = original, p = original;
  {
    PassContext ctx;
    runOptimizationPipeline(cleaned, ctx, 2);
  }
  eliminateAndClean(p);
  for (size_t i = 0; i < runs.size(); ++i) {
    SCOPED_TRACE(runs[i]);
    Outcome before = run(original, splitArgs(runs[i])), base = run(cleaned, splitArgs(runs[i])),
            after = run(p, splitArgs(runs[i]));
    EXPECT_EQ(after.ok, before.ok) << after.error;
    EXPECT_EQ(after.out, before.out) << toText(p);
    if (i == 0) {
      EXPECT_LT(after.dyn, base.dyn) << toText(p);
    }
  }
}

// --- the code written -----------------------------------------------------

const char kCountdown[] = R"(
@main(depth: int) {
  zero: int = const 0;
  cond: bool = eq depth zero;
  br cond .end .inc_depth;
.inc_depth:
  one: int = const 1;
  new_depth: int = sub depth one;
  call @main new_depth;
.end:
  ret;
}
)";

TEST(TailRecursionTest, VoidSelfCallFallingIntoRetBecomesAJumpToTheOldEntry) {
  Program p = parseOrDie(kCountdown);
  EXPECT_TRUE(eliminateTailRecursion(fn(p, "main"), nullptr));
  EXPECT_EQ(verifyMessages(p), "");
  // The fresh entry holds the header's constant; the old entry is the loop
  // header, labeled now that a jump targets it.
  EXPECT_EQ(textOf(fn(p, "main")), R"(@main(depth: int) {
  zero: int = const 0;
.b.1:
  cond: bool = eq depth zero;
  br cond .end .inc_depth;
.inc_depth:
  one: int = const 1;
  new_depth: int = sub depth one;
  depth: int = id new_depth;
  jmp .b.1;
.end:
  ret;
}
)");
}

TEST(TailRecursionTest, ReturnedThroughCopiesAndJumps) {
  Program p = parseOrDie(R"(
@f(n: int, s: int): int {
  zero: int = const 0;
  done: bool = le n zero;
  br done .base .step;
.base:
  ret s;
.step:
  one: int = const 1;
  m: int = sub n one;
  t: int = add s n;
  r: int = call @f m t;
  r2: int = id r;
  jmp .out;
.out:
  r3: int = id r2;
  ret r3;
}
@main(n: int) {
  x: int = call @f n n;
  print x;
}
)");
  EXPECT_TRUE(eliminateTailRecursion(p, nullptr));
  EXPECT_EQ(verifyMessages(p), "");
  EXPECT_EQ(textOf(fn(p, "f")), R"(@f(n: int, s: int): int {
  zero: int = const 0;
.b.1:
  done: bool = le n zero;
  br done .base .step;
.base:
  ret s;
.step:
  one: int = const 1;
  m: int = sub n one;
  t: int = add s n;
  n: int = id m;
  s: int = id t;
  jmp .b.1;
}
)");
}

TEST(TailRecursionTest, ArgumentReadingAnOverwrittenParameterGoesThroughATemporary) {
  // A rotation of three parameters: `a` is overwritten before `c` reads it.
  // (The cost estimate would keep this call: four copies for a call and a ret.)
  Program p = parseOrDie(R"(
@rot(n: int, a: int, b: int, c: int): int {
  zero: int = const 0;
  done: bool = le n zero;
  br done .base .step;
.base:
  ret a;
.step:
  one: int = const 1;
  m: int = sub n one;
  r: int = call @rot m b c a;
  ret r;
}
)");
  EXPECT_FALSE(eliminateTailRecursion(fn(p, "rot"), nullptr));
  TailRecursionOptions always;
  always.onlyWhenItPays = false;
  EXPECT_TRUE(eliminateTailRecursion(fn(p, "rot"), nullptr, always));
  EXPECT_EQ(verifyMessages(p), "");
  EXPECT_EQ(textOf(fn(p, "rot")), R"(@rot(n: int, a: int, b: int, c: int): int {
  zero: int = const 0;
.b.2:
  done: bool = le n zero;
  br done .base .step;
.base:
  ret a;
.step:
  one: int = const 1;
  m: int = sub n one;
  tre.tmp.1: int = id a;
  n: int = id m;
  a: int = id b;
  b: int = id c;
  c: int = id tre.tmp.1;
  jmp .b.2;
}
)");
}

TEST(TailRecursionTest, ParameterSwapThatCostsMoreThanTheCallStays) {
  // hanoi's last call swaps two parameters: three copies for a call and a ret.
  Program p = parseOrDie(R"(
@hanoi(disks: int, src: int, dst: int, spare: int) {
  zero: int = const 0;
  pos: bool = gt disks zero;
  br pos .then .else;
.then:
  one: int = const 1;
  above: int = sub disks one;
  call @hanoi above src spare dst;
  print src dst;
  call @hanoi above spare dst src;
.else:
  ret;
}
)");
  EXPECT_FALSE(eliminateTailRecursion(p, nullptr));
}

TEST(TailRecursionTest, GcdKeepsItsCallTheCopyOfBIntoACostsWhatTheRetSaved) {
  Program p = parseOrDie(R"(
@gcd(a: int, b: int): int {
  zero: int = const 0;
  done: bool = eq b zero;
  br done .base .step;
.base:
  ret a;
.step:
  q: int = div a b;
  qb: int = mul q b;
  r: int = sub a qb;
  g: int = call @gcd b r;
  g2: int = id g;
  ret g2;
}
)");
  EXPECT_FALSE(eliminateTailRecursion(p, nullptr));
}

const char kFact[] = R"(
@fact(a: int): int {
  zero: int = const 0;
  base: bool = eq a zero;
  br base .then .else;
.then:
  one: int = const 1;
  ret one;
.else:
  k: int = const 1;
  b: int = sub a k;
  r: int = call @fact b;
  y: int = mul a r;
  ret y;
}
@main(n: int) {
  x: int = call @fact n;
  print x;
}
)";

TEST(TailRecursionTest, MultiplyAfterTheCallBecomesAnAccumulator) {
  Program p = parseOrDie(kFact);
  EXPECT_TRUE(eliminateTailRecursion(fn(p, "fact"), nullptr));
  EXPECT_EQ(verifyMessages(p), "");
  EXPECT_EQ(textOf(fn(p, "fact")), R"(@fact(a: int): int {
  tre.acc.1: int = const 1;
  zero: int = const 0;
.b.3:
  base: bool = eq a zero;
  br base .then .else;
.then:
  one: int = const 1;
  tre.ret.2: int = mul tre.acc.1 one;
  ret tre.ret.2;
.else:
  k: int = const 1;
  b: int = sub a k;
  tre.acc.1: int = mul tre.acc.1 a;
  a: int = id b;
  jmp .b.3;
}
)");
}

TEST(TailRecursionTest, AccumulatorOperandCopiedAfterTheCallIsReadAtTheCall) {
  // fib's shape: f1 + f2 with f2 the tail call; f1 reaches the add through a
  // copy made after the call. The other call enters through the new entry,
  // with the identity.
  expectFasterAndSame(R"(
@fib(x: int): int {
  zero: int = const 0;
  one: int = const 1;
  small: bool = le x one;
  br small .base .rec;
.base:
  ret x;
.rec:
  a: int = sub x one;
  f1: int = call @fib a;
  two: int = const 2;
  b: int = sub x two;
  f2: int = call @fib b;
  v16: int = id f1;
  v17: int = id f2;
  s: int = add v16 v17;
  ret s;
}
@main(n: int) {
  r: int = call @fib n;
  print r;
}
)",
                      {"15", "0", "1", "2", "-3"});
}

TEST(TailRecursionTest, OnlyOneOperatorAccumulates) {
  Program p = parseOrDie(R"(
@f(n: int): int {
  zero: int = const 0;
  done: bool = le n zero;
  br done .base .step;
.base:
  one: int = const 1;
  ret one;
.step:
  k: int = const 1;
  m: int = sub n k;
  two: int = const 2;
  h: int = div n two;
  hh: int = mul h two;
  even: bool = eq hh n;
  br even .even .odd;
.even:
  r: int = call @f m;
  s: int = add r n;
  ret s;
.odd:
  q: int = call @f m;
  t: int = mul n q;
  ret t;
}
@main(n: int) {
  x: int = call @f n;
  print x;
}
)");
  const Program original = p;
  EXPECT_TRUE(eliminateTailRecursion(fn(p, "f"), nullptr));
  EXPECT_EQ(verifyMessages(p), "");
  std::string text = textOf(fn(p, "f"));
  EXPECT_NE(text.find("tre.acc.1: int = add tre.acc.1 n;"), std::string::npos) << text;
  EXPECT_NE(text.find("q: int = call @f m;"), std::string::npos) << text;
  for (const char *n : {"0", "1", "5", "12"}) {
    Outcome a = run(original, {n}), b = run(p, {n});
    EXPECT_EQ(a.out, b.out) << n;
  }
}

// --- what it leaves alone --------------------------------------------------

TEST(TailRecursionTest, CallFollowedByAnEffectStays) {
  Program p = parseOrDie(R"(
@f(n: int) {
  zero: int = const 0;
  done: bool = le n zero;
  br done .end .step;
.step:
  one: int = const 1;
  m: int = sub n one;
  call @f m;
  print n;
.end:
  ret;
}
)");
  EXPECT_FALSE(eliminateTailRecursion(p, nullptr));
}

TEST(TailRecursionTest, ResultChangedAfterTheCallStays) {
  Program p = parseOrDie(R"(
@f(n: int): int {
  zero: int = const 0;
  done: bool = le n zero;
  br done .end .step;
.step:
  one: int = const 1;
  m: int = sub n one;
  r: int = call @f m;
  r: int = sub r one;
  ret r;
.end:
  ret n;
}
)");
  EXPECT_FALSE(eliminateTailRecursion(p, nullptr));
}

TEST(TailRecursionTest, CallOfAnotherFunctionAndConditionalReturnStay) {
  Program p = parseOrDie(R"(
@g(n: int): int {
  ret n;
}
@f(n: int, c: bool): int {
  r: int = call @g n;
  ret r;
}
@h(n: int, c: bool): int {
  r: int = call @h n c;
  br c .a .b;
.a:
  ret r;
.b:
  ret n;
}
)");
  EXPECT_FALSE(eliminateTailRecursion(p, nullptr));
}

TEST(TailRecursionTest, FunctionThatMayReadAVariableBeforeWritingItStays) {
  // `acc` is read before any write when n <= 0: an error under brili on
  // every entry, which a loop would turn into a read of the last iteration.
  Program p = parseOrDie(R"(
@f(n: int): int {
  zero: int = const 0;
  done: bool = le n zero;
  br done .end .step;
.step:
  one: int = const 1;
  acc: int = const 5;
  m: int = sub n one;
  r: int = call @f m;
  ret r;
.end:
  ret acc;
}
)");
  EXPECT_FALSE(eliminateTailRecursion(p, nullptr));
}

// A self tail-recursive function of many loops, each with counters of its
// own, has more blocks x variables than dense live sets are built for
// (analysis/Liveness.h, chooseLivenessForm): whether it reads a variable
// before writing it then comes from the sparse sets. Written first
// everywhere, its tail call becomes a loop; with one counter read before
// its `const` in a loop deep inside, it stays (as with the dense sets).
TEST(TailRecursionTest, BigFunctionAsksTheSparseLiveSetsWhatIsReadBeforeWritten) {
  constexpr int kLoops = 1200; // 2400 blocks x 2400 variables: sparse
  auto function = [&](int readFirst) {
    std::string text = "@walk(n: int, k: int): int {\n  s: int = const 0;\n  one: int = const 1;\n";
    for (int j = 0; j < kLoops; ++j) {
      const std::string J = std::to_string(j), i = "i" + J;
      if (j == readFirst)
        text += "  s: int = add s " + i + ";\n";
      text += "  " + i + ": int = const 0;\n.h" + J + ":\n  s: int = add s " + i + ";\n  " + i +
              ": int = add " + i + " one;\n  c" + J + ": bool = lt " + i + " n;\n  br c" + J +
              " .h" + J + " .x" + J + ";\n.x" + J + ":\n";
    }
    return text + "  k1: int = sub k one;\n  done: bool = lt k1 one;\n  br done .end .again;\n"
                  ".again:\n  r: int = call @walk n k1;\n  ret r;\n.end:\n  ret s;\n}\n";
  };
  for (int readFirst : {-1, kLoops - 7}) {
    SCOPED_TRACE(readFirst);
    const std::string text = function(readFirst);
    bool rewritten[2];
    std::string texts[2];
    for (bool dense : {false, true}) {
      Program p = parseOrDie(text);
      Function &f = fn(p, "walk");
      CFG cfg(f);
      ASSERT_EQ(chooseLivenessForm(cfg.numBlocks(), f.numVars(), f.instrCount()),
                LivenessForm::Sparse);
      if (dense)
        detail::forcedLivenessForm = LivenessForm::Dense;
      rewritten[dense] = eliminateTailRecursion(f, nullptr);
      detail::forcedLivenessForm.reset();
      texts[dense] = textOf(f);
    }
    EXPECT_EQ(rewritten[0], readFirst < 0);
    EXPECT_EQ(rewritten[1], rewritten[0]);
    EXPECT_EQ(texts[0], texts[1]);
  }
}

TEST(TailRecursionTest, AccumulatorsCanBeTurnedOff) {
  Program p = parseOrDie(kFact);
  TailRecursionOptions options;
  options.accumulators = false;
  EXPECT_FALSE(eliminateTailRecursion(fn(p, "fact"), nullptr, options));
}

// --- weights ---------------------------------------------------------------

TEST(TailRecursionTest, WeightsMoveTheTailCallsToTheBackEdge) {
  Program p = parseOrDie(kCountdown);
  std::optional<test::ProfiledRun> r = test::profiledRun(p, {"10"});
  ASSERT_TRUE(r);
  ProgramWeights &w = r->weights;
  Function &f = fn(p, "main");
  FunctionWeights &fw = w.of(f);
  EXPECT_EQ(fw.entryCount, 11);
  BlockId header = f.entry(), step = test::blockNamed(f, "inc_depth"),
          end = test::blockNamed(f, "end");
  EXPECT_EQ(fw.block(end), 11);
  ASSERT_TRUE(eliminateTailRecursion(f, &fw));
  BlockId entry = f.entry();
  EXPECT_NE(entry, header);
  EXPECT_EQ(fw.entryCount, 1);             // from outside only
  EXPECT_EQ(fw.block(entry), 1);
  EXPECT_EQ(fw.edge(entry, header), 1);
  EXPECT_EQ(fw.block(header), 11);         // once per entry and per iteration
  EXPECT_EQ(fw.edge(step, header), 10);    // the back edge: the tail calls
  EXPECT_EQ(fw.edge(step, end), 0);
  EXPECT_EQ(fw.block(end), 1);             // returns only once now
  // And the counts describe the new program: profile it again.
  std::optional<test::ProfiledRun> again = test::profiledRun(p, {"10"});
  ASSERT_TRUE(again);
  const FunctionWeights &ff = again->weights.of(f);
  EXPECT_EQ(ff.entryCount, fw.entryCount);
  for (BlockId b : f.layout)
    EXPECT_EQ(ff.block(b), fw.block(b)) << b;
  EXPECT_EQ(ff.edge(step, header), fw.edge(step, header));
}

TEST(TailRecursionTest, AccumulationThatDoesNotPayIsSkippedWithWeights) {
  // fact called 50 times from outside on 0 and once on 3: three accumulated
  // calls cannot pay for 51 outside entries.
  Program p = parseOrDie(R"(
@fact(a: int): int {
  zero: int = const 0;
  base: bool = le a zero;
  br base .then .else;
.then:
  one: int = const 1;
  ret one;
.else:
  k: int = const 1;
  b: int = sub a k;
  r: int = call @fact b;
  y: int = mul a r;
  ret y;
}
@main(n: int) {
  i: int = const 0;
  k: int = const 50;
  one: int = const 1;
  zero: int = const 0;
.loop:
  x: int = call @fact zero;
  i: int = add i one;
  c: bool = lt i k;
  br c .loop .done;
.done:
  x: int = call @fact n;
  print x;
}
)");
  std::optional<test::ProfiledRun> r = test::profiledRun(p, {"3"});
  ASSERT_TRUE(r);
  EXPECT_FALSE(eliminateTailRecursion(fn(p, "fact"), &r->weights.of(fn(p, "fact"))));
  EXPECT_TRUE(eliminateTailRecursion(fn(p, "fact"), nullptr)); // no counts: always
}

// --- semantics -------------------------------------------------------------

TEST(TailRecursionTest, SmallProgramsRunFasterAndPrintTheSame) {
  expectFasterAndSame(kCountdown, {"100", "0", "1"});
  expectFasterAndSame(kFact, {"15", "0", "1"});
  // binpow with an explicit accumulator parameter: plain tail calls.
  expectFasterAndSame(R"(
@pow(x: int, n: int, acc: int): int {
  zero: int = const 0;
  one: int = const 1;
  two: int = const 2;
  done: bool = eq n zero;
  br done .base .step;
.base:
  ret acc;
.step:
  half: int = div n two;
  back: int = mul half two;
  even: bool = eq back n;
  br even .even .odd;
.even:
  x2: int = mul x x;
  v: int = call @pow x2 half acc;
  ret v;
.odd:
  m: int = sub n one;
  acc2: int = mul x acc;
  w: int = call @pow x m acc2;
  ret w;
}
@main(x: int, n: int) {
  one: int = const 1;
  y: int = call @pow x n one;
  print y;
}
)",
                      {"3 13", "2 0", "-2 5"});
  // Errors keep their place: a division by zero in the third iteration.
  expectFasterAndSame(R"(
@f(n: int, d: int): int {
  zero: int = const 0;
  done: bool = le n zero;
  br done .base .step;
.base:
  ret d;
.step:
  print n;
  q: int = div n d;
  one: int = const 1;
  m: int = sub n one;
  e: int = sub d one;
  r: int = call @f m e;
  ret r;
}
@main(n: int, d: int) {
  x: int = call @f n d;
  print x;
}
)",
                      {"2 5", "5 2", "0 0"});
}

// Random self-recursive functions of the shapes the pass rewrites: 1 to 4
// parameters, void or int, a base case returning a
// parameter or a constant, work (and maybe a print or a division that can
// fail) before the call, maybe a non-tail self-call first (fib), arguments
// drawn from parameters and temporaries (swaps and rotations), then add/mul
// of the result, copies and a jump before the `ret`. Every rewrite is taken
// (onlyWhenItPays off); programs must print the same and fail the same way,
// after the pass and after the SSA clean-up too. (Dropping the temporaries
// of the parallel copy fails 190 of its checks.)
std::string randomRecursion(unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string> &v) { return v[rng() % v.size()]; };
  auto chance = [&](int percent) { return int(rng() % 100) < percent; };
  int np = 1 + int(rng() % 4);
  std::vector<std::string> params;
  for (int i = 0; i < np; ++i)
    params.push_back("p" + std::to_string(i));
  bool isVoid = chance(30);
  std::ostringstream o;
  o << "@f(";
  for (int i = 0; i < np; ++i)
    o << (i ? ", " : "") << params[i] << ": int";
  o << ")" << (isVoid ? "" : ": int") << " {\n"
    << "  zero: int = const 0;\n  one: int = const 1;\n  three: int = const 3;\n"
    << "  done: bool = le p0 zero;\n  br done .base .rec;\n.base:\n";
  if (chance(30))
    o << "  print p0;\n";
  if (isVoid)
    o << (chance(50) ? "  ret;\n" : "  jmp .fin;\n");
  else
    o << "  ret " << pick({params[rng() % np], "one", "zero", "three"}) << ";\n";
  o << ".rec:\n  m: int = sub p0 one;\n";
  std::vector<std::string> values = params;
  values.push_back("m");
  for (int k = 0, n = int(rng() % 4); k < n; ++k) {
    std::string t = "t" + std::to_string(k);
    o << "  " << t << ": int = " << pick({"add", "mul", "sub"}) << " " << pick(values) << " "
      << pick(values) << ";\n";
    values.push_back(t);
  }
  if (chance(30))
    o << "  print " << pick(params) << ";\n";
  if (chance(20))
    o << "  q: int = div three " << pick(params) << ";\n";
  if (!isVoid && chance(30)) {
    o << "  h: int = sub m one;\n  o: int = call @f h";
    for (int i = 1; i < np; ++i)
      o << " " << pick(values);
    o << ";\n";
    values.push_back("o");
  }
  std::vector<std::string> args = {"m"};
  for (int i = 1; i < np; ++i)
    args.push_back(chance(40) ? params[(i + 1) % np] : pick(values));
  if (isVoid) {
    o << "  call @f";
    for (const std::string &a : args)
      o << " " << a;
    o << ";\n";
    if (chance(50))
      o << "  jmp .fin;\n";
  } else {
    o << "  r: int = call @f";
    for (const std::string &a : args)
      o << " " << a;
    o << ";\n";
    std::string cur = "r";
    if (chance(50)) {
      std::string a = pick(values), op = pick({"add", "mul"});
      if (chance(30)) {
        o << "  c: int = id " << a << ";\n";
        a = "c";
      }
      o << "  y: int = " << op << " " << (chance(50) ? cur + " " + a : a + " " + cur) << ";\n";
      cur = "y";
    }
    if (chance(40)) {
      o << "  z: int = id " << cur << ";\n";
      cur = "z";
    }
    if (chance(30))
      o << "  jmp .out;\n.out:\n";
    o << "  ret " << cur << ";\n";
  }
  o << ".fin:\n" << (isVoid ? "  ret;\n" : "  ret zero;\n") << "}\n";
  o << "@main(n: int) {\n";
  for (int i = 1; i < np; ++i)
    o << "  k" << i << ": int = const " << int(rng() % 9) - 3 << ";\n";
  std::string call = "call @f n";
  for (int i = 1; i < np; ++i)
    call += " k" + std::to_string(i);
  if (isVoid)
    o << "  " << call << ";\n  " << call << ";\n";
  else
    o << "  x: int = " << call << ";\n  print x;\n  x: int = " << call << ";\n  print x;\n";
  o << "}\n";
  return o.str();
}

TEST(TailRecursionTest, RandomRecursionKeepsItsBehaviour) {
  TailRecursionOptions always;
  always.onlyWhenItPays = false;
  unsigned changed = 0;
  for (unsigned seed = 0; seed < 300; ++seed) {
    std::string text = randomRecursion(seed);
    SCOPED_TRACE(text);
    Program original = parseOrDie(text);
    Program p = original;
    changed += eliminateTailRecursion(p, nullptr, always);
    ASSERT_EQ(verifyMessages(p), "");
    Program cleaned = p;
    PassContext ctx;
    runOptimizationPipeline(cleaned, ctx, 2);
    for (const char *n : {"6", "0", "1", "3", "-2"}) {
      Outcome a = run(original, {n}), b = run(p, {n}), c = run(cleaned, {n});
      EXPECT_EQ(b.ok, a.ok) << n << ": " << b.error;
      EXPECT_EQ(b.out, a.out) << n << "\n" << toText(p);
      EXPECT_EQ(c.ok, a.ok) << n << ": " << c.error;
      EXPECT_EQ(c.out, a.out) << n << "\n" << toText(cleaned);
    }
  }
  std::printf("%u of 300 random functions rewritten\n", changed);
  EXPECT_GT(changed, 150u);
}

TEST(TailRecursionTest, EveryBenchmarkKeepsItsOutput) {
  std::vector<Bench> all = manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  unsigned changed = 0;
  for (const Bench &b : all) {
    SCOPED_TRACE(b.id());
    std::optional<Program> loaded = test::loadBenchmark(b);
    ASSERT_TRUE(loaded);
    const Program original = *loaded;
    Program p = original;
    std::optional<test::ProfiledRun> profiled = test::profiledRun(p, splitArgs(b.args));
    ASSERT_TRUE(profiled);
    if (!eliminateTailRecursion(p, &profiled->weights))
      continue;
    ++changed;
    EXPECT_EQ(verifyMessages(p), "");
    for (const std::string &a : b.inputs()) {
      Outcome o = run(original, splitArgs(a)), i = run(p, splitArgs(a));
      EXPECT_EQ(i.ok, o.ok) << a << ": " << i.error;
      EXPECT_EQ(i.out, o.out) << a;
    }
  }
  std::printf("tail recursion eliminated in %u benchmarks\n", changed);
  EXPECT_GT(changed, 5u);
}

} // namespace
} // namespace brisk
