// LoopDefinitions (transforms/loops/LoopDefinitions.h): the definition table,
// the simple-loop shape and the basic induction matcher that linear test
// replacement, strength reduction and loop-carried GVN share, checked on SSA
// programs written out by hand so every name is known.
#include "analysis/AnalysisCache.h"
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Loops.h"
#include "test/analysis/ParseHelper.h"
#include "transforms/loops/LoopDefinitions.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::blockNamed;
using test::parseOrDie;

// One loop: pre -> head <-> body (the latch), head -> done. i counts up by
// one, j down by two through a copy, k by a non-constant step, m by a step
// defined inside the loop, p by a step read through `mul`.
const char *kLoop = R"(
@main(n: int, s: int) {
.entry:
  zero: int = const 0;
  one: int = const 1;
  two: int = const 2;
  flag: bool = const true;
  u: int = undef;
  jmp .pre;
.pre:
  jmp .head;
.head:
  i: int = phi zero i2 .pre .body;
  j: int = phi n j3 .pre .body;
  k: int = phi zero k2 .pre .body;
  m: int = phi zero m2 .pre .body;
  p: int = phi zero p2 .pre .body;
  c: bool = lt i n;
  br c .body .done;
.body:
  i2: int = add one i;
  j2: int = sub j two;
  j3: int = id j2;
  k2: int = add k s;
  three: int = const 3;
  m2: int = add m three;
  p2: int = mul p two;
  jmp .head;
.done:
  print i j u;
}
)";

struct Fixture {
  Program program;
  Function *f;
  AnalysisCache facts;
  DefSites defs;
  explicit Fixture(const char *text)
      : program(parseOrDie(text)), f(&program.functions[0]), facts(*f) {
    defs.build(*f);
  }
  VarId var(const char *name) const { return f->lookupVar(name).value(); }
  const Instr &phiOf(const char *name) const {
    for (const Instr &in : f->block(blockNamed(*f, "head")).instrs)
      if (in.op == Opcode::Phi && in.dest == var(name))
        return in;
    ADD_FAILURE() << "no phi " << name;
    return f->block(0).instrs[0];
  }
};

TEST(DefSitesTest, RecordsEachDefinitionItsBlockAndUndef) {
  Fixture t(kLoop);
  const Function &f = *t.f;
  BlockId entry = blockNamed(f, "entry"), body = blockNamed(f, "body");
  // Parameters: defined in the entry block, by no instruction.
  EXPECT_EQ(t.defs.block(t.var("n")), entry);
  EXPECT_EQ(t.defs.def(t.var("n")), nullptr);
  // An instruction: itself, where it stands.
  const Instr *m2 = t.defs.def(t.var("m2"));
  ASSERT_NE(m2, nullptr);
  EXPECT_EQ(m2->op, Opcode::Add);
  EXPECT_EQ(m2->dest, t.var("m2"));
  EXPECT_EQ(t.defs.block(t.var("m2")), body);
  EXPECT_EQ(t.defs.block(t.var("i")), blockNamed(f, "head"));
  EXPECT_TRUE(t.defs.isUndef(t.var("u")));
  EXPECT_FALSE(t.defs.isUndef(t.var("zero")));
  EXPECT_EQ(t.defs.size(), f.numVars());
  // Beyond the bound: never defined.
  VarId later = t.f->freshVar("later");
  EXPECT_EQ(t.defs.def(later), nullptr);
  EXPECT_EQ(t.defs.block(later), kNoBlock);
  EXPECT_FALSE(t.defs.isUndef(later));
}

TEST(DefSitesTest, ConstantsCopiesAndInvariance) {
  Fixture t(kLoop);
  EXPECT_EQ(t.defs.intConstant(t.var("two")), std::optional<int64_t>(2));
  EXPECT_EQ(t.defs.intConstant(t.var("flag")), std::nullopt); // a bool
  EXPECT_EQ(t.defs.intConstant(t.var("n")), std::nullopt);    // a parameter
  EXPECT_EQ(t.defs.intConstant(t.var("i2")), std::nullopt);
  EXPECT_EQ(t.defs.stripCopies(t.var("j3")), t.var("j2"));
  EXPECT_EQ(t.defs.stripCopies(t.var("j2")), t.var("j2"));

  const LoopInfo &loops = t.facts.loops();
  ASSERT_EQ(loops.loops().size(), 1u);
  LoopId l = loops.loopOf(blockNamed(*t.f, "head"));
  EXPECT_TRUE(t.defs.invariantIn(t.var("two"), loops, l));
  EXPECT_TRUE(t.defs.invariantIn(t.var("n"), loops, l));       // a parameter
  EXPECT_FALSE(t.defs.invariantIn(t.var("three"), loops, l));  // in the loop
  EXPECT_FALSE(t.defs.invariantIn(t.var("i"), loops, l));      // a header phi
  EXPECT_FALSE(t.defs.invariantIn(t.var("u"), loops, l));      // undef
  EXPECT_FALSE(t.defs.invariantIn(t.f->freshVar("x"), loops, l)); // never defined
}

TEST(SimpleLoopTest, OneLatchAndAPreheader) {
  Fixture t(kLoop);
  const LoopInfo &loops = t.facts.loops();
  ASSERT_EQ(loops.loops().size(), 1u);
  std::optional<SimpleLoop> s = simpleLoop(*t.f, loops.loops()[0], t.facts.cfg(), loops);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->header, blockNamed(*t.f, "head"));
  EXPECT_EQ(s->latch, blockNamed(*t.f, "body"));
  EXPECT_EQ(s->preheader, blockNamed(*t.f, "pre"));
}

TEST(SimpleLoopTest, TwoLatchesAreNotSimple) {
  Fixture t(R"(
@main(n: int) {
.entry:
  zero: int = const 0;
  jmp .head;
.head:
  i: int = phi zero i2 i2 .entry .a .b;
  i2: int = id i;
  c: bool = lt i n;
  br c .a .b;
.a:
  br c .head .done;
.b:
  jmp .head;
.done:
  print i;
}
)");
  const LoopInfo &loops = t.facts.loops();
  ASSERT_EQ(loops.loops().size(), 1u);
  EXPECT_FALSE(simpleLoop(*t.f, loops.loops()[0], t.facts.cfg(), loops).has_value());
}

TEST(BasicInductionTest, MatchesConstantStepsThroughCopies) {
  Fixture t(kLoop);
  const LoopInfo &loops = t.facts.loops();
  const DominatorTree &dom = t.facts.domTree();
  LoopId l = loops.loopOf(blockNamed(*t.f, "head"));
  BlockId latch = blockNamed(*t.f, "body");
  auto invariant = [&](VarId v) { return t.defs.invariantIn(v, loops, l); };

  // `add one i`: the constant on the left.
  std::optional<BasicInduction> i = matchBasicInduction(t.phiOf("i"), latch, t.defs, dom, invariant);
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->phi, t.var("i"));
  EXPECT_EQ(i->init, t.var("zero"));
  EXPECT_EQ(i->latchArg, t.var("i2"));
  EXPECT_EQ(i->next, t.var("i2"));
  EXPECT_EQ(i->update, t.defs.def(t.var("i2")));
  EXPECT_EQ(i->step, 1);

  // `sub j two` read through `j3 = id j2`: step -2, next the sub.
  std::optional<BasicInduction> j = matchBasicInduction(t.phiOf("j"), latch, t.defs, dom, invariant);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->init, t.var("n"));
  EXPECT_EQ(j->latchArg, t.var("j3"));
  EXPECT_EQ(j->next, t.var("j2"));
  EXPECT_EQ(j->step, -2);

  // A step that is a parameter, a constant defined in the loop, or a mul:
  // no basic induction variable.
  EXPECT_FALSE(matchBasicInduction(t.phiOf("k"), latch, t.defs, dom, invariant).has_value());
  EXPECT_FALSE(matchBasicInduction(t.phiOf("m"), latch, t.defs, dom, invariant).has_value());
  EXPECT_FALSE(matchBasicInduction(t.phiOf("p"), latch, t.defs, dom, invariant).has_value());
  // The caller's invariance decides: with nothing invariant, nothing matches.
  auto nothing = [](VarId) { return false; };
  EXPECT_FALSE(matchBasicInduction(t.phiOf("i"), latch, t.defs, dom, nothing).has_value());
  // A latch the update does not dominate: `head` is no latch, and i2 is in
  // `body`, which does not dominate it.
  EXPECT_FALSE(matchBasicInduction(t.phiOf("i"), blockNamed(*t.f, "head"), t.defs, dom, invariant)
                   .has_value());
}

} // namespace
} // namespace brisk
