// The pass framework: validation after a pass catches broken IR and reports
// the pass with the IR before and after; --dump-after; the name table.
#include "analysis/AnalysisCache.h"
#include "backend/TextPrinter.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "transforms/PassRegistry.h"
#include "transforms/Pipeline.h"
#include "transforms/ssa/ToSSA.h"
#include "transforms/loops/LoopRotation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace brisk {
namespace {

const char *kProgram = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  print i;
}
)";

TEST(PassScopeTest, VerifierFailureNamesThePassAndShowsBothIRs) {
  Program p = test::parseOrDie(kProgram);
  std::ostringstream errors;
  PassOptions o;
  o.validate = true;
  o.errorStream = &errors;
  PassContext ctx(o);
  {
    PassScope scope(ctx, "break-things", p);
    Block &entry = p.functions[0].block(p.functions[0].entry());
    entry.instrs.insert(entry.instrs.begin(), p.functions[0].block(*p.functions[0].findBlock("loop")).instrs.back());
  }
  EXPECT_TRUE(ctx.failed());
  std::string text = errors.str();
  EXPECT_NE(text.find("the verifier failed after pass 'break-things'"), std::string::npos) << text;
  EXPECT_NE(text.find("[S2]"), std::string::npos) << text;
  size_t before = text.find("# IR before break-things"), after = text.find("# IR after break-things");
  ASSERT_NE(before, std::string::npos);
  ASSERT_NE(after, std::string::npos);
  EXPECT_LT(before, after);
}

TEST(PassScopeTest, SSARoundTripValidatesCleanAndDumpsOnRequest) {
  Program p = test::parseOrDie(kProgram);
  std::ostringstream dumps, errors;
  PassOptions o;
  o.validate = true;
  o.dumpAfter = {"to-ssa"};
  o.dumpStream = &dumps;
  o.errorStream = &errors;
  PassContext ctx(o);
  runSSARoundTrip(p, ctx);
  EXPECT_FALSE(ctx.failed()) << errors.str();
  EXPECT_EQ(errors.str(), "");
  EXPECT_NE(dumps.str().find("# IR after to-ssa"), std::string::npos);
  EXPECT_NE(dumps.str().find("= phi "), std::string::npos) << dumps.str();
  EXPECT_EQ(dumps.str().find("# IR after from-ssa"), std::string::npos);
  EXPECT_FALSE(ctx.isSSA(p.functions[0]));
}

TEST(PassScopeTest, TimingCountsEachPassRunUnderItsName) {
  Program p = test::parseOrDie(kProgram);
  PassOptions o;
  o.timePasses = true;
  PassContext ctx(o);
  runSSARoundTrip(p, ctx);
  runSSARoundTrip(p, ctx);
  { PassTimer timer(ctx, "profile"); }
  ASSERT_EQ(ctx.times().size(), 3u);
  EXPECT_EQ(ctx.times()[0].name, "to-ssa");
  EXPECT_EQ(ctx.times()[0].runs, 2u);
  EXPECT_EQ(ctx.times()[1].name, "from-ssa");
  EXPECT_EQ(ctx.times()[1].runs, 2u);
  EXPECT_EQ(ctx.times()[2].name, "profile");
  EXPECT_EQ(ctx.times()[2].runs, 1u);
  for (const PassTime &t : ctx.times())
    EXPECT_GE(t.seconds, 0.0) << t.name;
  std::ostringstream table;
  printPassTimes(ctx, 1.0, table);
  EXPECT_NE(table.str().find("to-ssa"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("total"), std::string::npos) << table.str();

  // Off by default: nothing is recorded.
  PassContext quiet;
  runSSARoundTrip(p, quiet);
  { PassTimer timer(quiet, "profile"); }
  EXPECT_TRUE(quiet.times().empty());
}

TEST(PassScopeTest, RestrictedContextLeavesOtherFunctionsAlone) {
  const char *twoFunctions = R"(
@main {
  a: int = const 2;
  b: int = add a a;
  print b;
  call @other;
}
@other {
  c: int = const 3;
  d: int = add c c;
  print d;
}
)";
  Program p = test::parseOrDie(twoFunctions);
  auto text = [](const Function &f) {
    std::ostringstream os;
    printFunction(f, os);
    return os.str();
  };
  std::string otherBefore = text(p.functions[1]);
  llvm::StringSet<> onlyMain;
  onlyMain.insert("main");
  PassContext ctx;
  ctx.restrictTo(&onlyMain);
  std::string error;
  ASSERT_TRUE(runPassList(p, ctx, "to-ssa,sccp,adce,from-ssa,simplify-cfg", error)) << error;
  EXPECT_EQ(text(p.functions[1]), otherBefore);
  // main's addition folded to a constant.
  EXPECT_EQ(text(p.functions[0]).find("add"), std::string::npos) << text(p.functions[0]);

  ctx.restrictTo(nullptr);
  ASSERT_TRUE(runPassList(p, ctx, "to-ssa,sccp,adce,from-ssa", error)) << error;
  EXPECT_EQ(text(p.functions[1]).find("add"), std::string::npos) << text(p.functions[1]);
}

// Retained facts: one cache per function while retaining, kept across the
// passes that keep the CFG (GVN here), rebuilt once one changes it, and
// the same output as passes that each build their own.
TEST(PassScopeTest, RetainedFactsFollowTheCFGAndChangeNoOutput) {
  Program p = test::parseOrDie(kProgram);
  Program q = p;
  PassContext ctx;
  EXPECT_EQ(ctx.retainedFacts(p.functions[0]), nullptr);
  runPass(p, ctx, kToSSAPass);
  ctx.retainFacts(true);
  AnalysisCache *facts = ctx.retainedFacts(p.functions[0]);
  ASSERT_NE(facts, nullptr);
  EXPECT_EQ(ctx.retainedFacts(p.functions[0]), facts);
  EXPECT_EQ(&facts->function(), &p.functions[0]);
  const CFG *cfg = &facts->cfg();
  runPass(p, ctx, kGVNPass); // never changes the CFG
  EXPECT_EQ(&facts->cfg(), cfg);
  runPass(p, ctx, kLICMPass);
  runPass(p, ctx, kStrengthReductionPass);
  runPass(p, ctx, kLinearTestReplacementPass);
  // Whatever the passes did, the facts describe the function as it is.
  CFG fresh(p.functions[0]);
  ASSERT_EQ(facts->cfg().rpo(), fresh.rpo());
  for (BlockId b : fresh.rpo()) {
    EXPECT_EQ(std::vector<BlockId>(facts->cfg().succs(b).begin(), facts->cfg().succs(b).end()),
              std::vector<BlockId>(fresh.succs(b).begin(), fresh.succs(b).end()));
  }
  ctx.retainFacts(false);
  EXPECT_EQ(ctx.retainedFacts(p.functions[0]), nullptr);
  runPass(p, ctx, kFromSSAPass);

  PassContext plain;
  for (const PassInfo *pass : {&kToSSAPass, &kGVNPass, &kLICMPass, &kStrengthReductionPass,
                               &kLinearTestReplacementPass, &kFromSSAPass})
    runPass(q, plain, *pass);
  EXPECT_EQ(toText(p), toText(q));
}

// The first instruction of f with a destination.
Instr &firstDefinition(Function &f) {
  for (BlockId b : f.layout)
    for (Instr &in : f.block(b).instrs)
      if (in.hasDest())
        return in;
  ADD_FAILURE() << "no definition";
  return f.block(f.entry()).instrs.front();
}

// The definition sites are read off the instructions: kept until
// invalidateInstrs (or invalidateCFG), built again for variables added
// since. (The edit below is made behind the cache's back, so that what it
// hands out tells a kept table from a new one.)
TEST(AnalysisCacheTest, DefSitesLastUntilTheInstructionsChange) {
  Program p = test::parseOrDie(kProgram);
  Function &f = p.functions[0];
  ASSERT_TRUE(toSSA(f)); // one definition per variable
  AnalysisCache facts(f);
  Instr &in = firstDefinition(f);
  const VarId v = in.dest;
  EXPECT_EQ(facts.defSites().def(v), &in);
  EXPECT_FALSE(facts.defSites().isUndef(v));
  in.op = Opcode::Undef;
  EXPECT_FALSE(facts.defSites().isUndef(v)) << "kept: nothing said the instructions changed";
  facts.invalidateInstrs();
  EXPECT_TRUE(facts.defSites().isUndef(v));
  in.op = Opcode::Const;
  facts.invalidateCFG();
  EXPECT_FALSE(facts.defSites().isUndef(v));
  f.freshVar("w");
  EXPECT_EQ(facts.defSites().size(), f.numVars());
}

// Retained facts hand on their definition sites from pass to pass while
// every scope in between says it changed nothing (as the loop passes do
// on a function without loops to rewrite), and build them again after a
// scope that did not say so: such a pass may have edited instructions
// without telling the facts.
TEST(PassScopeTest, RetainedDefSitesLastWhileNoPassChangesTheProgram) {
  Program p = test::parseOrDie(kProgram);
  PassContext ctx;
  runPass(p, ctx, kToSSAPass);
  Function &f = p.functions[0];
  ctx.retainFacts(true);
  Instr &in = firstDefinition(f);
  const VarId v = in.dest;
  {
    PassScope scope(ctx, "reads", p);
    EXPECT_EQ(ctx.retainedFacts(f)->defSites().def(v), &in);
    EXPECT_FALSE(ctx.retainedFacts(f)->defSites().isUndef(v));
    scope.setChanged(false);
  }
  in.op = Opcode::Undef; // behind every scope's back
  {
    PassScope scope(ctx, "reads again", p);
    EXPECT_FALSE(ctx.retainedFacts(f)->defSites().isUndef(v)) << "handed on";
    scope.setChanged(false);
  }
  { PassScope scope(ctx, "may edit", p); }
  {
    PassScope scope(ctx, "reads after", p);
    EXPECT_TRUE(ctx.retainedFacts(f)->defSites().isUndef(v)) << "built again";
    scope.setChanged(false);
  }
  in.op = Opcode::Const;
  // runPass tells the scope what the pass returned: to-ssa leaves a
  // function already in SSA form alone, so the table is handed on.
  ASSERT_FALSE(runPass(p, ctx, kToSSAPass));
  EXPECT_TRUE(ctx.retainedFacts(f)->defSites().isUndef(v)) << "handed on";
  ctx.retainFacts(false);
}

// With validation on, a hand-out checks the sites it hands on: a pass that
// says it changed nothing but moved a block's instructions (here: copied to
// a new array) fails the context, unless it dropped its facts' sites.
TEST(PassScopeTest, ValidationCatchesStaleDefSitesHandedOn) {
  Program p = test::parseOrDie(kProgram);
  std::ostringstream errors;
  PassOptions o;
  o.validate = true;
  o.errorStream = &errors;
  PassContext ctx(o);
  runPass(p, ctx, kToSSAPass);
  Function &f = p.functions[0];
  ctx.retainFacts(true);
  BlockId b = f.layout[0];
  auto moveInstructions = [&] {
    std::vector<Instr> moved = f.block(b).instrs;
    f.block(b).instrs.swap(moved);
  };
  {
    PassScope scope(ctx, "moves and says so", p);
    AnalysisCache &facts = *ctx.retainedFacts(f);
    facts.defSites();
    moveInstructions();
    facts.invalidateInstrs();
    scope.setChanged(false);
  }
  {
    PassScope scope(ctx, "reads", p);
    ctx.retainedFacts(f)->defSites();
    scope.setChanged(false);
  }
  EXPECT_FALSE(ctx.failed()) << errors.str();
  {
    PassScope scope(ctx, "moves and does not say so", p);
    moveInstructions();
    scope.setChanged(false);
  }
  {
    PassScope scope(ctx, "reads again", p);
    const DefSites &sites = ctx.retainedFacts(f)->defSites();
    EXPECT_EQ(sites, DefSites(f)) << "built again after the failure";
    scope.setChanged(false);
  }
  EXPECT_TRUE(ctx.failed());
  EXPECT_NE(errors.str().find("stale definition sites"), std::string::npos) << errors.str();
  ctx.retainFacts(false);
}

// The facts of a function in SSA form build CFGs from the terminators
// alone (PassContext::mayHaveGuards): to-ssa converts no function with a
// guard. One it left as it was (it speculates) keeps its guard's edge.
TEST(PassScopeTest, RetainedFactsOfSSAFunctionsReadNoGuards) {
  Program p = test::parseOrDie(std::string(kProgram) + R"(
@spec(c: bool) {
.a:
  speculate;
  guard c .fail;
  commit;
  jmp .b;
.fail:
  print c;
.b:
  ret;
}
)");
  PassContext ctx;
  runPass(p, ctx, kToSSAPass);
  const Function &main = p.functions[0], &spec = p.functions[1];
  ASSERT_TRUE(ctx.isSSA(main));
  ASSERT_FALSE(ctx.isSSA(spec));
  EXPECT_FALSE(ctx.mayHaveGuards(main));
  EXPECT_TRUE(ctx.mayHaveGuards(spec));
  ctx.retainFacts(true);
  EXPECT_EQ(ctx.retainedFacts(main)->guards(), CFG::Guards::Absent);
  AnalysisCache &specFacts = *ctx.retainedFacts(spec);
  EXPECT_EQ(specFacts.guards(), CFG::Guards::Scan);
  BlockId a = *spec.findBlock("a"), fail = *spec.findBlock("fail");
  BlockRange succs = specFacts.cfg().succs(a);
  EXPECT_NE(std::find(succs.begin(), succs.end(), fail), succs.end());
  // The same function out of SSA form gets facts that scan again.
  runPass(p, ctx, kFromSSAPass);
  EXPECT_EQ(ctx.retainedFacts(main)->guards(), CFG::Guards::Scan);
  ctx.retainFacts(false);
}

// Loop rotation takes the runner's facts (of an SSA function: no guard
// scan) and leaves them describing the rotated function; the output is
// rotateLoops' own.
TEST(PassScopeTest, RotationKeepsTheRetainedFactsTrue) {
  Program p = test::parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.head:
  c: bool = lt i n;
  br c .body .done;
.body:
  i: int = add i one;
  jmp .head;
.done:
  print i;
}
)");
  Program q = p;
  PassContext ctx;
  runPass(p, ctx, kToSSAPass);
  ctx.retainFacts(true);
  AnalysisCache *facts = ctx.retainedFacts(p.functions[0]);
  ASSERT_NE(facts, nullptr);
  facts->loops(); // built before the rotation
  EXPECT_TRUE(runPass(p, ctx, kLoopRotationPass));
  facts = ctx.retainedFacts(p.functions[0]);
  CFG fresh(p.functions[0]);
  ASSERT_EQ(facts->cfg().rpo(), fresh.rpo());
  for (BlockId b : fresh.rpo())
    EXPECT_EQ(std::vector<BlockId>(facts->cfg().succs(b).begin(), facts->cfg().succs(b).end()),
              std::vector<BlockId>(fresh.succs(b).begin(), fresh.succs(b).end()));
  ctx.retainFacts(false);
  Function &g = q.functions[0];
  ASSERT_TRUE(toSSA(g));
  EXPECT_TRUE(rotateLoops(g));
  EXPECT_EQ(toText(p), toText(q));
}

TEST(PassRegistryTest, RunsPassesByNameAndRejectsUnknownNames) {
  Program p = test::parseOrDie(kProgram);
  PassContext ctx;
  std::string error;
  EXPECT_FALSE(runPassList(p, ctx, "to-ssa,no-such-pass", error));
  EXPECT_NE(error.find("unknown pass 'no-such-pass'"), std::string::npos);
  EXPECT_FALSE(ctx.isSSA(p.functions[0])); // nothing ran
  EXPECT_TRUE(runPassList(p, ctx, "to-ssa,phis-to-set-get", error)) << error;
  EXPECT_TRUE(ctx.isSSA(p.functions[0]));
  EXPECT_NE(findPass("from-ssa"), nullptr);
  // Pipeline-only passes have names but do not run on their own.
  EXPECT_FALSE(runPassList(p, ctx, "inline", error));
  EXPECT_NE(error.find("runs only inside the superblock pipeline"), std::string::npos) << error;
}

// The registry's tail-recursion leaves a program with two functions of one
// name alone (its calls would be ambiguous), and otherwise makes the self
// tail call a loop.
TEST(PassRegistryTest, TailRecursionSkipsProgramsWithDuplicateNames) {
  const char *countdown = R"(
@down(n: int): int {
  zero: int = const 0;
  one: int = const 1;
  done: bool = le n zero;
  br done .out .again;
.out:
  ret n;
.again:
  m: int = sub n one;
  r: int = call @down m;
  ret r;
}
@main(n: int) {
  r: int = call @down n;
  print r;
}
)";
  auto selfCalls = [](const Program &p) { return test::countOp(p.functions[0], Opcode::Call); };
  std::string error;
  Program unique = test::parseOrDie(countdown);
  PassContext ctx;
  ASSERT_TRUE(runPassList(unique, ctx, "tail-recursion", error)) << error;
  EXPECT_EQ(selfCalls(unique), 0u) << toText(unique);
  Program twice = test::parseOrDie(countdown);
  twice.functions.push_back(twice.functions[1]);
  ASSERT_TRUE(runPassList(twice, ctx, "tail-recursion", error)) << error;
  EXPECT_EQ(selfCalls(twice), 1u) << toText(twice);
}

// Every pass the superblock pipeline runs dumps under a name from the one
// list, so `--dump-after=NAME` can name each of them.
TEST(PassRegistryTest, EveryPassThePipelineRunsIsNamedInThePassList) {
  Program p = test::parseOrDie(kProgram);
  test::Outcome train = test::run(p, {"40"}, true);
  ASSERT_TRUE(train.ok) << train.error;
  std::ostringstream dumps, errors;
  PassOptions o;
  o.validate = true;
  o.dumpAfter = {"all"};
  o.dumpStream = &dumps;
  o.errorStream = &errors;
  PassContext ctx(o);
  runSuperblockPipeline(p, *train.profile, ctx, SuperblockPipelineOptions{}, nullptr);
  ASSERT_FALSE(ctx.failed()) << errors.str();

  std::vector<std::string_view> names = passNames();
  std::set<std::string> dumped;
  std::istringstream lines(dumps.str());
  const std::string header = "# IR after ";
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(header, 0) == 0)
      dumped.insert(line.substr(header.size()));
  for (const std::string &name : dumped)
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  for (const char *pipelineOnly : {"inline", "superblocks", "inline-cold", "dce"}) {
    EXPECT_TRUE(dumped.count(pipelineOnly)) << pipelineOnly;
    ASSERT_NE(findPass(pipelineOnly), nullptr) << pipelineOnly;
    EXPECT_EQ(findPass(pipelineOnly)->run, nullptr) << pipelineOnly;
  }
}

} // namespace
} // namespace brisk
