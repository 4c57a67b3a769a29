// passConstantsDownRecursion (transforms/interprocedural/RecursiveConstants.h): the exact
// wrapper and worker it writes for small programs, which constants it moves
// and which it leaves, the weights it leaves behind, the text round trip of
// the worker's name, and semantics: the programs, and every shared benchmark
// on its shipped arguments (the profile's) and on the held-out inputs of
// bench/inputs.tsv, print the same, pass the verifier, and on the profiled
// arguments execute no more instructions. Programs run in-process.
#include "analysis/Verifier.h"
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "frontend/Loader.h"
#include "interp/Interpreter.h"
#include "test/SharedData.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/Pipeline.h"
#include "transforms/interprocedural/RecursiveConstants.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <cstdio>
#include <map>
#include <sstream>

namespace brisk {
namespace {

using test::parseOrDie;
using test::Bench;
using test::Outcome;
using test::manifest;
using test::run;
using test::splitArgs;
using test::verifyMessages;

// Profiles `p` on `args`, then runs the pass with those weights.
std::vector<RecursiveConstantsSplit> profileAndSplit(Program &p, const std::vector<std::string> &args,
                                                     ProgramWeights *weightsOut = nullptr,
                                                     const RecursiveConstantsOptions &options = {}) {
  std::optional<test::ProfiledRun> r = test::profiledRun(p, args);
  if (!r)
    return {};
  std::vector<RecursiveConstantsSplit> splits =
      passConstantsDownRecursion(p, &r->weights, options);
  EXPECT_EQ(verifyMessages(p), "") << toText(p);
  if (weightsOut)
    *weightsOut = std::move(r->weights);
  return splits;
}

// Same output before and after, and no more instructions on the profiled
// arguments; returns the dynamic counts.
std::pair<uint64_t, uint64_t> expectSameBehaviour(const std::string &text,
                                                  const std::vector<std::string> &args) {
  return test::expectSameAndNoSlower(text, args, [&](Program &p) { profileAndSplit(p, args); });
}

// --- the code written -----------------------------------------------------

// The benchmark's catalan: two constants at the entry, two recursive calls
// per loop iteration.
const char kCatalan[] = R"(
@main(input: int) {
  catn: int = call @catalan input;
  print catn;
}

@catalan(n: int): int {
  one: int = const 1;
  zero: int = const 0;
  guard0: bool = eq n zero;
  br guard0 .if .else;
.if:
  ret one;
.else:
  sum: int = id zero;
  idx: int = id zero;
  n: int = sub n one;
.while:
  guard1: bool = le idx n;
  br guard1 .while.body .while.end;
.while.body:
  n2: int = sub n idx;
  v1: int = call @catalan idx;
  v2: int = call @catalan n2;
  elti: int = mul v1 v2;
  sum: int = add sum elti;
  idx: int = add idx one;
  jmp .while;
.while.end:
  ret sum;
}
)";

TEST(RecursiveConstantsTest, CatalanPassesItsConstantsDownAndKeepsAWrapper) {
  Program p = parseOrDie(kCatalan);
  std::vector<RecursiveConstantsSplit> splits = profileAndSplit(p, {"6"});
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].wrapper, "catalan");
  EXPECT_EQ(splits[0].worker, "catalan.rec");
  EXPECT_EQ(splits[0].constants, 2u);
  // main's call takes the wrapper's constants and calls the worker.
  EXPECT_EQ(toText(p), R"(@main(input: int) {
  one.1: int = const 1;
  zero.2: int = const 0;
  catn: int = call @catalan.rec input one.1 zero.2;
  print catn;
}

@catalan(n: int): int {
  one: int = const 1;
  zero: int = const 0;
  r: int = call @catalan.rec n one zero;
  ret r;
}

@catalan.rec(n: int, one: int, zero: int): int {
  guard0: bool = eq n zero;
  br guard0 .if .else;
.if:
  ret one;
.else:
  sum: int = id zero;
  idx: int = id zero;
  n: int = sub n one;
.while:
  guard1: bool = le idx n;
  br guard1 .while.body .while.end;
.while.body:
  n2: int = sub n idx;
  v1: int = call @catalan.rec idx one zero;
  v2: int = call @catalan.rec n2 one zero;
  elti: int = mul v1 v2;
  sum: int = add sum elti;
  idx: int = add idx one;
  jmp .while;
.while.end:
  ret sum;
}
)");
}

TEST(RecursiveConstantsTest, CatalanSavesTwoConstantsPerRecursiveCall) {
  Program p = parseOrDie(kCatalan);
  Outcome o = run(p, {"6"}, true);
  uint64_t entries = o.profile->function("catalan")->entryCount;
  auto [before, after] = expectSameBehaviour(kCatalan, {"6"});
  // Every entry saved its two constants; the one outside call executes them
  // before the call instead.
  EXPECT_EQ(after, before - 2 * entries + 2);
}

TEST(RecursiveConstantsTest, WeightsOfTheWorkerAreTheFunctionsAndTheWrapperIsEnteredFromOutside) {
  Program p = parseOrDie(kCatalan);
  Outcome o = run(p, {"6"}, true);
  const FunctionProfile *fp = o.profile->function("catalan");
  ProgramWeights w;
  profileAndSplit(p, {"6"}, &w);
  const Function &worker = *p.findFunction("catalan.rec");
  const Function &wrapper = *p.findFunction("catalan");
  EXPECT_EQ(w.of(worker).entryCount, double(fp->entryCount));
  for (BlockId b : worker.layout)
    EXPECT_EQ(w.of(worker).block(b), double(fp->blockCount(b)));
  // The only outside call now calls the worker.
  EXPECT_EQ(w.of(wrapper).entryCount, 0.0);
  EXPECT_EQ(w.of(wrapper).block(wrapper.entry()), 0.0);
}

// hanoi-like: a void function; equal literals in two variables share one
// parameter (the second's reads are renamed), other types get their own.
const char kVoidSharedLiterals[] = R"(
@main(n: int) {
  call @walk n;
}
@walk(n: int) {
  zero: int = const 0;
  done: bool = le n zero;
  br done .end .go;
.go:
  one: int = const 1;
  m: int = sub n one;
  call @walk m;
  print n;
  also: int = const 1;
  k: int = sub m also;
  flag: bool = const true;
  x: float = const 1;
  call @walk k;
  print flag x;
.end:
}
)";

TEST(RecursiveConstantsTest, VoidWrapperFallsOffItsEndAndEqualLiteralsShareAParameter) {
  Program p = parseOrDie(kVoidSharedLiterals);
  std::vector<RecursiveConstantsSplit> splits = profileAndSplit(p, {"5"});
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].constants, 4u);
  EXPECT_EQ(toText(p), R"(@main(n: int) {
  zero.1: int = const 0;
  one.2: int = const 1;
  flag.3: bool = const true;
  x.4: float = const 1.0;
  call @walk.rec n zero.1 one.2 flag.3 x.4;
}

@walk(n: int) {
  zero: int = const 0;
  one: int = const 1;
  flag: bool = const true;
  x: float = const 1.0;
  call @walk.rec n zero one flag x;
}

@walk.rec(n: int, zero: int, one: int, flag: bool, x: float) {
  done: bool = le n zero;
  br done .end .go;
.go:
  m: int = sub n one;
  call @walk.rec m zero one flag x;
  print n;
  k: int = sub m one;
  call @walk.rec k zero one flag x;
  print flag x;
.end:
}
)");
  expectSameBehaviour(kVoidSharedLiterals, {"5"});
}

// What stays: a parameter, a variable with another definition, a variable
// holding two literals, and one read where it may not be defined yet.
const char kWhatStays[] = R"(
@main(n: int) {
  r: int = call @f n n;
  print r;
}
@f(n: int, p: int): int {
  p: int = const 3;
  acc: int = const 0;
  acc: int = add acc n;
  two: int = const 2;
  neg: bool = lt n two;
  br neg .a .b;
.a:
  two: int = const 5;
  late: int = const 7;
  jmp .j;
.b:
  late: int = const 7;
.j:
  maybe: int = add p late;
  base: bool = le n p;
  br base .out .rec;
.rec:
  opt: int = const 9;
  jmp .join;
.out:
  ret maybe;
.join:
  after: int = add opt two;
  m: int = sub n after;
  x: int = call @f m p;
  y: int = add x opt;
  ret y;
}
)";

TEST(RecursiveConstantsTest, ParametersRedefinedOrMixedLiteralsAndMaybeUndefinedReadsStay) {
  Program p = parseOrDie(kWhatStays);
  Program q = p;
  std::vector<RecursiveConstantsSplit> splits = passConstantsDownRecursion(q, nullptr);
  ASSERT_EQ(splits.size(), 1u);
  // Only `late` (defined on both paths before its read) and `opt` (read only
  // after its block) qualify.
  EXPECT_EQ(splits[0].constants, 2u);
  const Function &worker = *q.findFunction("f.rec");
  std::ostringstream sig;
  printSignature(worker, sig);
  EXPECT_EQ(sig.str(), "@f.rec(n: int, p: int, late: int, opt: int): int");
  Outcome before = run(p, {"30"}), after = run(q, {"30"});
  EXPECT_TRUE(after.ok) << after.error;
  EXPECT_EQ(after.out, before.out);
}

// `one` is defined only on the recursive path and read only there too, but
// the dataflow does not follow the branch condition: as far as it knows,
// .again may read `one` before any definition, so `one` stays.
const char kMaybeUndefined[] = R"(
@main(n: int) {
  r: int = call @f n;
  print r;
}
@f(n: int): int {
  zero: int = const 0;
  base: bool = le n zero;
  br base .skip .rec;
.rec:
  one: int = const 1;
.skip:
  br base .done .again;
.again:
  m: int = sub n one;
  r: int = call @f m;
  ret r;
.done:
  ret zero;
}
)";

TEST(RecursiveConstantsTest, AConstantReadWhereItMayBeUndefinedStays) {
  Program p = parseOrDie(kMaybeUndefined);
  std::vector<RecursiveConstantsSplit> splits = passConstantsDownRecursion(p, nullptr);
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].constants, 1u); // zero
  EXPECT_NE(toText(p).find("one: int = const 1;"), std::string::npos) << toText(p);
  expectSameBehaviour(kMaybeUndefined, {"4"});
}

// f recurses only from 10 up; profiled on 0..6 it never did: its constants
// would cost the call sites as much as they cost f, for nothing.
const char kNoRecursionInTheProfile[] = R"(
@main(n: int) {
  i: int = const 0;
  s: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  v: int = call @f i;
  s: int = add s v;
  one: int = const 1;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
@f(n: int): int {
  zero: int = const 0;
  ten: int = const 10;
  big: bool = ge n ten;
  br big .rec .base;
.base:
  ret zero;
.rec:
  two: int = const 2;
  m: int = sub n two;
  r: int = call @f m;
  ret r;
}
)";

TEST(RecursiveConstantsTest, RecursionThatDidNotRunInTheProfileStays) {
  Program p = parseOrDie(kNoRecursionInTheProfile);
  EXPECT_TRUE(profileAndSplit(p, {"7"}).empty());
  EXPECT_EQ(p.functions.size(), 2u);
  // On 12 it did, twice: ten moves; zero, read once per outside call (in the
  // base case), and two stay.
  std::vector<RecursiveConstantsSplit> splits = profileAndSplit(p, {"12"});
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].constants, 1u);
  // Without a profile every constant moves.
  Program q = parseOrDie(kNoRecursionInTheProfile);
  splits = passConstantsDownRecursion(q, nullptr);
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].constants, 3u);
}

// A call site that never ran keeps calling f, now the wrapper. One whose
// caller has no room (sizeLimit) keeps calling f too, which then keeps its
// body: the wrapper is "peeled"; its weights count what goes through it.
TEST(RecursiveConstantsTest, CallSitesWithoutRoomOrThatNeverRanCallF) {
  const char text[] = R"(
@main(n: int) {
  a: int = call @catalan n;
  print a;
  zero: int = const 0;
  neg: bool = lt n zero;
  br neg .cold .end;
.cold:
  b: int = call @catalan zero;
  print b;
.end:
}
)";
  std::string program = std::string(text) + (std::strchr(kCatalan, '@') + std::strlen(R"(@main(input: int) {
  catn: int = call @catalan input;
  print catn;
}
)"));
  Program p = parseOrDie(program);
  std::vector<RecursiveConstantsSplit> splits = profileAndSplit(p, {"5"});
  ASSERT_EQ(splits.size(), 1u);
  std::string mainText = toText(p).substr(0, toText(p).find("@catalan("));
  EXPECT_NE(mainText.find("a: int = call @catalan.rec n"), std::string::npos) << mainText;
  EXPECT_NE(mainText.find("b: int = call @catalan zero;"), std::string::npos) << mainText;

  // Without room in main for the two constants, the call that ran keeps
  // calling catalan, which keeps its body (an entry costs what it did) and
  // whose recursive calls take the constants and call the worker.
  Program q = parseOrDie(program);
  size_t size = q.findFunction("main")->instrCount();
  RecursiveConstantsOptions o;
  o.sizeLimit = [&](const Function &f) {
    return f.name == "main" ? size + 1 : std::numeric_limits<size_t>::max();
  };
  ProgramWeights w;
  splits = profileAndSplit(q, {"5"}, &w, o);
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(q.findFunction("main")->instrCount(), size);
  const Function &wrapper = *q.findFunction("catalan");
  EXPECT_EQ(w.of(wrapper).entryCount, 1.0);
  EXPECT_EQ(w.of(wrapper).block(wrapper.entry()), 1.0);
  std::string wrapperText = toText(q);
  wrapperText = wrapperText.substr(wrapperText.find("@catalan("));
  wrapperText = wrapperText.substr(0, wrapperText.find("@catalan.rec("));
  EXPECT_NE(wrapperText.find(R"(  one.1: int = const 1;
  zero.2: int = const 0;
  v1: int = call @catalan.rec idx one.1 zero.2;
  one.3: int = const 1;
  zero.4: int = const 0;
  v2: int = call @catalan.rec n2 one.3 zero.4;
)"), std::string::npos) << wrapperText;
  Program original = parseOrDie(program);
  for (const char *n : {"0", "5", "7"}) {
    Outcome a = run(original, {n}), b = run(q, {n});
    EXPECT_EQ(b.out, a.out);
    if (std::string(n) == "5") {
      EXPECT_LT(b.dyn, a.dyn);
    } else if (std::string(n) == "0") {
      EXPECT_EQ(b.dyn, a.dyn); // no recursion: the same run
    }
  }
  // Not even room in catalan for them: no split.
  Program r = parseOrDie(program);
  o.sizeLimit = [&](const Function &f) {
    return f.name == "main" ? size + 1 : f.instrCount() + 3;
  };
  EXPECT_TRUE(profileAndSplit(r, {"5"}, nullptr, o).empty());
}

TEST(RecursiveConstantsTest, NonRecursiveFunctionsAndMainStay) {
  const char text[] = R"(
@main(n: int) {
  one: int = const 1;
  b: bool = lt n one;
  br b .done .more;
.more:
  m: int = sub n one;
  call @main m;
.done:
  call @g n;
}
@g(n: int) {
  two: int = const 2;
  print n two;
}
)";
  Program p = parseOrDie(text);
  std::string before = toText(p);
  EXPECT_TRUE(passConstantsDownRecursion(p, nullptr).empty());
  EXPECT_EQ(toText(p), before);
}

TEST(RecursiveConstantsTest, WorkerNameAvoidsTakenNamesAndRoundTripsThroughTextAndJson) {
  std::string text = std::string(kCatalan) + R"(
@catalan.rec(x: int): int {
  ret x;
}
)";
  Program p = parseOrDie(text);
  std::vector<RecursiveConstantsSplit> splits = passConstantsDownRecursion(p, nullptr);
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].worker, "catalan.rec.1");
  std::string printed = toText(p);
  EXPECT_EQ(toText(parseOrDie(printed)), printed);
  Diagnostics diags("json");
  std::optional<Program> fromJson = loadProgram(toJsonString(p), diags);
  ASSERT_TRUE(fromJson.has_value());
  EXPECT_EQ(toText(*fromJson), printed);
  EXPECT_EQ(run(p, {"5"}).out, "42\n");
}

// --- every shared benchmark ---------------------------------------------------

// name -> the two held-out argument strings from bench/inputs.tsv.
TEST(RecursiveConstantsTest, EveryBenchmarkKeepsItsOutputAndRunsNoMoreInstructions) {
  std::vector<Bench> all = manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  unsigned split = 0, heldOutRuns = 0;
  std::printf("%-34s %12s %12s %8s %s\n", "benchmark", "before", "after", "ratio", "split");
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
    std::vector<RecursiveConstantsSplit> splits = profileAndSplit(p, args);
    if (splits.empty())
      continue;
    ++split;
    Outcome after = run(p, args);
    EXPECT_TRUE(after.ok) << after.error;
    EXPECT_EQ(after.out, before.out);
    EXPECT_LT(after.dyn, before.dyn);
    std::string names;
    for (const RecursiveConstantsSplit &s : splits)
      names += " " + s.wrapper + "(" + std::to_string(s.constants) + ")";
    std::printf("%-34s %12llu %12llu %8.4f%s\n", id.c_str(), (unsigned long long)before.dyn,
                (unsigned long long)after.dyn, double(after.dyn) / double(before.dyn),
                names.c_str());
    // Specialised to one input's profile; it must stay correct on others.
    for (const std::string &held : b.extra) {
      Outcome o = run(original, splitArgs(held)), i = run(p, splitArgs(held));
      EXPECT_EQ(i.ok, o.ok) << held << ": " << i.error;
      EXPECT_EQ(i.out, o.out) << held;
      ++heldOutRuns;
    }
  }
  std::printf("split functions in %u of %zu benchmarks; %u held-out runs checked\n", split,
              all.size(), heldOutRuns);
}

// The whole pipeline: a worker has no original version for the growth
// fallback to take, so it must stay within its budget (f's size x 2) itself.
TEST(RecursiveConstantsTest, EveryWorkerStaysWithinTheGrowthBudgetInThePipeline) {
  std::vector<Bench> all = manifest();
  if (all.empty())
    GTEST_SKIP() << "shared benchmarks not available";
  unsigned workers = 0;
  for (const Bench &b : all) {
    std::string id = b.id();
    SCOPED_TRACE(id);
    std::optional<Program> loaded = test::loadBenchmark(b);
    ASSERT_TRUE(loaded);
    Program p = std::move(*loaded);
    const Program original = p;
    std::vector<std::string> args = splitArgs(b.args);
    Outcome profiled = run(p, args, /*profile=*/true);
    ASSERT_TRUE(profiled.ok);
    profiled.profile->inputs = {args};
    PassContext ctx;
    SuperblockPipelineOptions options;
    runSuperblockPipeline(p, *profiled.profile, ctx, options, nullptr);
    ASSERT_FALSE(ctx.failed());
    for (const Function &f : p.functions) {
      if (original.findFunction(f.name) || f.name.size() < 4)
        continue;
      const Function *wrapper = original.findFunction(f.name.substr(0, f.name.rfind(".rec")));
      ASSERT_NE(wrapper, nullptr) << f.name;
      ++workers;
      // (Plus what callees taken in at their sole call site handed over.)
      EXPECT_LE(double(f.instrCount()),
                std::max(options.superblocks.growthLimit * double(wrapper->instrCount()),
                         double(wrapper->instrCount() + options.hotGrowthConstant)) +
                    test::budgetOfRemovedFunctions(original, p, 0))
          << f.name;
    }
    EXPECT_EQ(run(p, args).out, profiled.out);
  }
  std::printf("%u workers checked\n", workers);
  EXPECT_GT(workers, 0u);
}

} // namespace
} // namespace brisk
