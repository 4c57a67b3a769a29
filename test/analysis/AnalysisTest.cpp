// Unit tests for analysis/: CFG edges, RPO, dominators, dominance frontiers,
// natural loops (nested and irreducible), liveness and the cache.
#include "analysis/AnalysisCache.h"
#include "analysis/Liveness.h"
#include "analysis/Uses.h"
#include "test/SharedData.h"
#include "test/analysis/ParseHelper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <sstream>

namespace brisk {
namespace {

using test::blockNamed;
using test::parseOrDie;

bool contains(BlockRange l, BlockId b) { return std::find(l.begin(), l.end(), b) != l.end(); }
BlockList list(BlockRange r) { return BlockList(r.begin(), r.end()); }

const char *kDiamond = R"(
@main(c: bool) {
.a:
  br c .b .c;
.b:
  x: int = const 1;
  jmp .d;
.c:
  x: int = const 2;
.d:
  print x;
}
)";

TEST(CFGTest, EdgesIncludeFallThroughAndBranches) {
  Program p = parseOrDie(kDiamond);
  const Function &f = p.functions[0];
  CFG cfg(f);
  BlockId a = blockNamed(f, "a"), b = blockNamed(f, "b"), c = blockNamed(f, "c"),
          d = blockNamed(f, "d");
  EXPECT_EQ(cfg.entry(), a);
  EXPECT_EQ(list(cfg.succs(a)), (BlockList{b, c}));
  EXPECT_EQ(list(cfg.succs(b)), (BlockList{d}));
  EXPECT_EQ(list(cfg.succs(c)), (BlockList{d})); // falls through
  EXPECT_TRUE(cfg.succs(d).empty());       // falls off the end
  EXPECT_EQ(cfg.preds(d).size(), 2u);
  ASSERT_EQ(cfg.rpo().size(), 4u);
  EXPECT_EQ(cfg.rpo().front(), a);
  EXPECT_EQ(cfg.rpo().back(), d);
}

// Edge ids number every block's successors, one id per edge, densely: a
// vector over numEdges() can stand for a set of edges.
TEST(CFGTest, EdgeIdsAreDenseAndOnePerSuccessor) {
  Program p = parseOrDie(kDiamond);
  const Function &f = p.functions[0];
  CFG cfg(f);
  std::vector<int> seen(cfg.numEdges(), 0);
  size_t edges = 0;
  for (BlockId b : f.layout)
    for (size_t k = 0; k < cfg.succs(b).size(); ++k, ++edges) {
      uint32_t e = cfg.firstSuccEdge(b) + uint32_t(k);
      ASSERT_LT(e, cfg.numEdges());
      ++seen[e];
    }
  EXPECT_EQ(edges, 4u); // a->b, a->c, b->d, c->d
  EXPECT_EQ(cfg.numEdges(), edges);
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
  BlockId a = blockNamed(f, "a"), c = blockNamed(f, "c");
  EXPECT_EQ(cfg.succs(a)[1], c);
  EXPECT_NE(cfg.firstSuccEdge(a) + 1, cfg.firstSuccEdge(c)); // a->c is not c->d
}

TEST(CFGTest, BranchWithEqualTargetsIsOneEdgeAndDeadCodeIsUnreachable) {
  Program p = parseOrDie(R"(
@main(c: bool) {
  br c .x .x;
  print c;
.x:
  ret;
}
)");
  const Function &f = p.functions[0];
  CFG cfg(f);
  BlockId x = blockNamed(f, "x");
  EXPECT_EQ(list(cfg.succs(f.entry())), (BlockList{x}));
  ASSERT_EQ(f.layout.size(), 3u);
  EXPECT_FALSE(cfg.reachable(f.layout[1])); // the unlabeled block after the br
  EXPECT_EQ(list(cfg.preds(x)), (BlockList{f.entry()}));
}

TEST(CFGTest, EntryMayBeABranchTargetAndGuardsAddEdges) {
  Program p = parseOrDie(R"(
@main {
.top:
  t: bool = const true;
  speculate;
  guard t .out;
  commit;
  jmp .top;
.out:
  ret;
}
)");
  const Function &f = p.functions[0];
  CFG cfg(f);
  BlockId top = blockNamed(f, "top"), out = blockNamed(f, "out");
  EXPECT_TRUE(contains(cfg.preds(top), top));
  EXPECT_TRUE(contains(cfg.succs(top), out)); // the guard's abort edge
}

// CFG::fallthrough and fallthroughs() answer as fallthroughOf does (which
// searches the layout): the next block for a block without a terminator, none
// for the last block, a terminated block or one off the layout.
TEST(CFGTest, FallThroughTablesAgreeWithTheLayoutSearch) {
  Program p = parseOrDie(R"(
@main(b: bool) {
.a:
  br b .c .d;
.b:
  print b;
.c:
  print b;
.d:
  jmp .e;
.e:
  print b;
}
)");
  Function &f = p.functions[0];
  f.addFreshBlock("off"); // in the arena, not in the layout
  CFG cfg(f);
  std::vector<BlockId> table = fallthroughs(f);
  ASSERT_EQ(table.size(), f.blocks.size());
  for (BlockId b = 0; b < f.blocks.size(); ++b) {
    EXPECT_EQ(table[b], fallthroughOf(f, b)) << b;
    EXPECT_EQ(cfg.fallthrough(b), fallthroughOf(f, b)) << b;
  }
  EXPECT_EQ(cfg.fallthrough(blockNamed(f, "b")), blockNamed(f, "c"));
  EXPECT_EQ(cfg.fallthrough(blockNamed(f, "e")), kNoBlock);
}

TEST(DominatorTest, DiamondIdomsAndFrontiers) {
  Program p = parseOrDie(kDiamond);
  const Function &f = p.functions[0];
  CFG cfg(f);
  DominatorTree dom(cfg);
  DominanceFrontier df(cfg, dom);
  BlockId a = blockNamed(f, "a"), b = blockNamed(f, "b"), c = blockNamed(f, "c"),
          d = blockNamed(f, "d");
  EXPECT_EQ(dom.idom(a), kNoBlock);
  EXPECT_EQ(dom.idom(b), a);
  EXPECT_EQ(dom.idom(c), a);
  EXPECT_EQ(dom.idom(d), a);
  EXPECT_TRUE(dom.dominates(a, d));
  EXPECT_FALSE(dom.dominates(b, d));
  EXPECT_TRUE(dom.dominates(d, d));
  EXPECT_FALSE(dom.strictlyDominates(d, d));
  EXPECT_EQ(df.frontier(b), (BlockList{d}));
  EXPECT_EQ(df.frontier(c), (BlockList{d}));
  EXPECT_TRUE(df.frontier(a).empty());
  EXPECT_TRUE(df.frontier(d).empty());
  EXPECT_EQ(dom.depth(d), 1u);
}

// Two blocks each reachable from the entry and from each other: a cycle with
// two entries, which has no natural loop.
const char *kIrreducible = R"(
@main(c: bool) {
.e:
  br c .x .y;
.x:
  br c .y .out;
.y:
  br c .x .out;
.out:
  ret;
}
)";

TEST(DominatorTest, IrreducibleCycleIsDominatedOnlyByEntry) {
  Program p = parseOrDie(kIrreducible);
  const Function &f = p.functions[0];
  CFG cfg(f);
  DominatorTree dom(cfg);
  DominanceFrontier df(cfg, dom);
  BlockId e = blockNamed(f, "e"), x = blockNamed(f, "x"), y = blockNamed(f, "y"),
          out = blockNamed(f, "out");
  EXPECT_EQ(dom.idom(x), e);
  EXPECT_EQ(dom.idom(y), e);
  EXPECT_EQ(dom.idom(out), e);
  EXPECT_FALSE(dom.dominates(x, y));
  EXPECT_FALSE(dom.dominates(y, x));
  EXPECT_TRUE(contains(df.frontier(x), y));
  EXPECT_TRUE(contains(df.frontier(y), x));
  EXPECT_TRUE(contains(df.frontier(x), out));
}

TEST(LoopTest, IrreducibleCycleIsReportedNotALoop) {
  Program p = parseOrDie(kIrreducible);
  const Function &f = p.functions[0];
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  EXPECT_TRUE(loops.loops().empty());
  ASSERT_TRUE(loops.irreducible());
  ASSERT_EQ(loops.irreducibleEdges().size(), 1u);
  auto [from, to] = loops.irreducibleEdges()[0];
  BlockId x = blockNamed(f, "x"), y = blockNamed(f, "y");
  EXPECT_TRUE((from == x && to == y) || (from == y && to == x));
  EXPECT_EQ(loops.depth(x), 0u);
}

const char *kNested = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.outer:
  ci: bool = lt i n;
  br ci .inner.pre .exit;
.inner.pre:
  j: int = const 0;
.inner:
  cj: bool = lt j i;
  br cj .inner.body .outer.latch;
.inner.body:
  j: int = add j one;
  br cj .inner .inner.cont;
.inner.cont:
  jmp .inner;
.outer.latch:
  i: int = add i one;
  jmp .outer;
.exit:
  print i;
}
)";

TEST(LoopTest, NestedLoopsFormANest) {
  Program p = parseOrDie(kNested);
  const Function &f = p.functions[0];
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  EXPECT_FALSE(loops.irreducible());
  ASSERT_EQ(loops.loops().size(), 2u);
  BlockId outer = blockNamed(f, "outer"), inner = blockNamed(f, "inner"),
          body = blockNamed(f, "inner.body"), cont = blockNamed(f, "inner.cont"),
          latch = blockNamed(f, "outer.latch"), pre = blockNamed(f, "inner.pre"),
          exit = blockNamed(f, "exit");
  const Loop &lo = loops.loop(0), &li = loops.loop(1);
  EXPECT_EQ(lo.header, outer);
  EXPECT_EQ(li.header, inner);
  EXPECT_EQ(li.parent, 0u);
  EXPECT_EQ(lo.parent, kNoLoop);
  EXPECT_EQ(std::vector<LoopId>(lo.children.begin(), lo.children.end()), (std::vector<LoopId>{1}));
  EXPECT_EQ(loops.topLevel(), (std::vector<LoopId>{0}));
  EXPECT_EQ(std::vector<BlockId>(lo.latches.begin(), lo.latches.end()), (std::vector<BlockId>{latch}));
  // Two back edges into .inner: from .inner.body and .inner.cont.
  EXPECT_EQ(li.latches.size(), 2u);
  EXPECT_EQ(li.blocks.size(), 3u);
  EXPECT_EQ(lo.blocks.size(), 6u);
  EXPECT_EQ(loops.depth(body), 2u);
  EXPECT_EQ(loops.depth(cont), 2u);
  EXPECT_EQ(loops.depth(pre), 1u);
  EXPECT_EQ(loops.depth(latch), 1u);
  EXPECT_EQ(loops.depth(exit), 0u);
  EXPECT_TRUE(loops.isHeader(inner));
  EXPECT_TRUE(loops.contains(0, body));
  EXPECT_FALSE(loops.contains(1, latch));
}

TEST(LoopTest, SelfLoopAndLoopAtEntry) {
  Program p = parseOrDie(R"(
@main(c: bool) {
.top:
  br c .top .next;
.next:
  br c .next .top;
}
)");
  const Function &f = p.functions[0];
  CFG cfg(f);
  DominatorTree dom(cfg);
  LoopInfo loops(cfg, dom);
  BlockId top = blockNamed(f, "top"), next = blockNamed(f, "next");
  ASSERT_EQ(loops.loops().size(), 2u);
  EXPECT_EQ(loops.loop(0).header, top);
  EXPECT_EQ(loops.loop(1).header, next);
  EXPECT_EQ(loops.loop(1).parent, 0u);
  EXPECT_EQ(loops.depth(next), 2u);
}

TEST(LivenessTest, LoopCarriedAndDeadVariables) {
  Program p = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
  dead: int = const 7;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  i: int = add i one;
  jmp .loop;
.done:
  print i;
}
)");
  const Function &f = p.functions[0];
  CFG cfg(f);
  Liveness live(f, cfg);
  VarId i = *f.lookupVar("i"), n = *f.lookupVar("n"), one = *f.lookupVar("one"),
        dead = *f.lookupVar("dead"), c = *f.lookupVar("c");
  BlockId loop = blockNamed(f, "loop"), body = blockNamed(f, "body"), done = blockNamed(f, "done");
  EXPECT_TRUE(live.isLiveIn(i, loop));
  EXPECT_TRUE(live.isLiveIn(n, loop));
  EXPECT_TRUE(live.isLiveIn(one, body));
  EXPECT_TRUE(live.isLiveOut(i, body));
  EXPECT_FALSE(live.isLiveOut(dead, f.entry()));
  EXPECT_FALSE(live.isLiveIn(c, body));
  EXPECT_FALSE(live.isLiveIn(n, done));
  EXPECT_FALSE(live.isLiveIn(n, f.entry())); // a parameter is defined at entry
}

TEST(LivenessTest, PhiArgumentsAreLiveOutOfTheirPredecessorOnly) {
  Program p = parseOrDie(R"(
@main(c: bool) {
.a:
  x: int = const 1;
  y: int = const 2;
  br c .b .d;
.b:
  jmp .d;
.d:
  z: int = phi x y .a .b;
  print z;
}
)");
  const Function &f = p.functions[0];
  CFG cfg(f);
  Liveness live(f, cfg);
  VarId x = *f.lookupVar("x"), y = *f.lookupVar("y"), z = *f.lookupVar("z");
  BlockId a = blockNamed(f, "a"), b = blockNamed(f, "b"), d = blockNamed(f, "d");
  EXPECT_TRUE(live.isLiveOut(x, a));
  EXPECT_FALSE(live.isLiveIn(x, b)); // x flows only along a -> d
  EXPECT_TRUE(live.isLiveOut(y, b));
  EXPECT_FALSE(live.isLiveIn(x, d));
  EXPECT_TRUE(live.isLiveIn(z, d));
}

// SparseLiveness computes the same sets as Liveness, in linear space.
void expectSameLiveness(const Function &f) {
  CFG cfg(f);
  Liveness dense(f, cfg);
  SparseLiveness sparse(f, cfg);
  // Built with one kind of set only, the other is left out, not changed.
  SparseLiveness inOnly(f, cfg, SparseLiveness::Sets::InOnly);
  SparseLiveness outOnly(f, cfg, SparseLiveness::Sets::OutOnly);
  // From facts a pass gathered in its own walk: the reachable blocks in any
  // order (here the layout's, backwards), each block's instructions in order.
  SparseLiveness::Facts facts(f, cfg);
  for (auto it = f.layout.rbegin(); it != f.layout.rend(); ++it)
    if (cfg.reachable(*it))
      for (const Instr &in : f.block(*it).instrs)
        facts.add(*it, in);
  SparseLiveness gathered(f, std::move(facts), SparseLiveness::Sets::InAndOut);
  // The same one fact at a time: each non-phi instruction's reads, then
  // its definition.
  SparseLiveness::Facts single(f, cfg);
  for (BlockId b : f.layout)
    if (cfg.reachable(b))
      for (const Instr &in : f.block(b).instrs) {
        if (in.op == Opcode::Phi) {
          single.add(b, in);
          continue;
        }
        forEachUse(in, [&](VarId v) { single.addRead(b, v); });
        if (in.hasDest())
          single.addDefinition(b, in.dest);
      }
  SparseLiveness gatheredSingly(f, std::move(single), SparseLiveness::Sets::InAndOut);
  // Restricted to some variables (the even ones): their sets, from either
  // constructor, and no other variable in any set.
  llvm::BitVector even(static_cast<unsigned>(f.numVars()));
  for (VarId v = 0; v < f.numVars(); v += 2)
    even.set(v);
  SparseLiveness evenOnly(f, cfg, SparseLiveness::Sets::InAndOut, &even);
  SparseLiveness::Facts evenFacts(f, cfg);
  for (BlockId b : cfg.rpo())
    for (const Instr &in : f.block(b).instrs)
      evenFacts.add(b, in);
  SparseLiveness evenGathered(f, std::move(evenFacts), SparseLiveness::Sets::OutOnly, &even);
  // ChosenLiveness in either form (forced): the same sets through its
  // queries, each list in increasing order.
  std::vector<ChosenLiveness> chosen;
  for (LivenessForm form : {LivenessForm::Dense, LivenessForm::Sparse}) {
    detail::forcedLivenessForm = form;
    chosen.emplace_back(f, cfg);
    EXPECT_EQ(chosen.back().dense(), form == LivenessForm::Dense);
  }
  detail::forcedLivenessForm.reset();
  for (BlockId b : f.layout) {
    // (The bit vectors are named: a range-for over set_bits() of the
    // temporary would read it after its end.)
    std::vector<VarId> in, out;
    const llvm::BitVector denseIn = dense.liveIn(b), denseOut = dense.liveOut(b);
    for (int v : denseIn.set_bits())
      in.push_back(VarId(v));
    for (int v : denseOut.set_bits())
      out.push_back(VarId(v));
    EXPECT_EQ(sparse.liveIn(b).vec(), in) << "@" << f.name << " block " << b;
    EXPECT_EQ(sparse.liveOut(b).vec(), out) << "@" << f.name << " block " << b;
    EXPECT_EQ(inOnly.liveIn(b).vec(), in) << "@" << f.name << " block " << b;
    EXPECT_EQ(outOnly.liveOut(b).vec(), out) << "@" << f.name << " block " << b;
    EXPECT_EQ(gathered.liveIn(b).vec(), in) << "@" << f.name << " block " << b;
    EXPECT_EQ(gathered.liveOut(b).vec(), out) << "@" << f.name << " block " << b;
    EXPECT_EQ(gatheredSingly.liveIn(b).vec(), in) << "@" << f.name << " block " << b;
    EXPECT_EQ(gatheredSingly.liveOut(b).vec(), out) << "@" << f.name << " block " << b;
    std::vector<VarId> evenIn, evenOut;
    std::copy_if(in.begin(), in.end(), std::back_inserter(evenIn), [](VarId v) { return v % 2 == 0; });
    std::copy_if(out.begin(), out.end(), std::back_inserter(evenOut), [](VarId v) { return v % 2 == 0; });
    EXPECT_EQ(evenOnly.liveIn(b).vec(), evenIn) << "@" << f.name << " block " << b;
    EXPECT_EQ(evenOnly.liveOut(b).vec(), evenOut) << "@" << f.name << " block " << b;
    EXPECT_EQ(evenGathered.liveOut(b).vec(), evenOut) << "@" << f.name << " block " << b;
    for (const ChosenLiveness &live : chosen) {
      std::vector<VarId> chosenIn, chosenOut;
      live.forEachLiveIn(b, [&](VarId v) { chosenIn.push_back(v); });
      live.forEachLiveOut(b, [&](VarId v) { chosenOut.push_back(v); });
      const char *form = live.dense() ? " (dense)" : " (sparse)";
      EXPECT_EQ(chosenIn, in) << "@" << f.name << " block " << b << form;
      EXPECT_EQ(chosenOut, out) << "@" << f.name << " block " << b << form;
      for (VarId v = 0; v < f.numVars(); ++v) {
        EXPECT_EQ(live.isLiveIn(v, b), dense.isLiveIn(v, b)) << "@" << f.name << form;
        EXPECT_EQ(live.isLiveOut(v, b), dense.isLiveOut(v, b)) << "@" << f.name << form;
      }
    }
  }
}

TEST(LivenessTest, SparseAgreesWithDense) {
  Program p = parseOrDie(R"(
@main(c: bool, n: int) {
.a:
  x: int = const 1;
  y: int = const 2;
  dead: int = const 3;
  br c .b .d;
.b:
  jmp .d;
.d:
  z: int = phi x y .a .b;
  i: int = const 0;
.loop:
  k: bool = lt i n;
  br k .body .done;
.body:
  i: int = add i z;
  jmp .loop;
.unreachable:
  print dead;
.done:
  print i;
}
)");
  expectSameLiveness(p.functions[0]);
  // SSA form, where every variable is defined in one block (SparseLiveness
  // then keeps one definition block per variable): a loop-carried phi, a
  // phi whose result is dead, a value read only by a phi, a parameter read
  // in the loop.
  Program ssa = parseOrDie(R"(
@main(c: bool, n: int) {
.a:
  x: int = const 1;
  y: int = const 2;
  br c .b .d;
.b:
  w: int = add y n;
  jmp .d;
.d:
  z: int = phi x w .a .b;
  unused: int = phi y x .a .b;
  i0: int = const 0;
.loop:
  i: int = phi i0 i1 .d .body;
  k: bool = lt i n;
  br k .body .done;
.body:
  i1: int = add i z;
  jmp .loop;
.done:
  print i;
}
)");
  expectSameLiveness(ssa.functions[0]);
  // Every shared benchmark, when present: plain Bril with loops, calls,
  // memory and undefined reads.
  for (const auto &file : test::filesBelow(test::sharedDir() / "bench", ".bril")) {
    Diagnostics diags;
    std::optional<Program> q = parseTextProgram(test::readFile(file), diags);
    if (!q)
      continue;
    for (const Function &f : q->functions)
      expectSameLiveness(f);
  }
}

// The one rule: dense sets while they take at most
// kDenseLivenessWordsPerInstr words per instruction, sparse past that.
TEST(LivenessTest, DenseUpToAFixedNumberOfWordsPerInstruction) {
  // 1000 instructions: 8000 words of dense sets are allowed.
  EXPECT_EQ(chooseLivenessForm(100, 64 * 80, 1000), LivenessForm::Dense);
  EXPECT_EQ(chooseLivenessForm(100, 64 * 80 + 1, 1000), LivenessForm::Sparse);
  EXPECT_EQ(chooseLivenessForm(8001, 64, 1000), LivenessForm::Sparse);
  EXPECT_EQ(chooseLivenessForm(1, 0, 0), LivenessForm::Dense); // no variables: no words
  // N loops of counters of their own: blocks and variables both grow with
  // N, so the dense sets would grow with N squared.
  auto loops = [](int n) {
    std::ostringstream text;
    text << "@main(n: int) {\n  s: int = const 0;\n  one: int = const 1;\n";
    for (int k = 0; k < n; ++k)
      text << "  i" << k << ": int = const 0;\n.h" << k << ":\n  s: int = add s i" << k
           << ";\n  i" << k << ": int = add i" << k << " one;\n  c" << k << ": bool = lt i" << k
           << " n;\n  br c" << k << " .h" << k << " .x" << k << ";\n.x" << k << ":\n";
    text << "  print s;\n}\n";
    return parseOrDie(text.str());
  };
  for (auto [n, dense] : {std::pair{20, true}, std::pair{2000, false}}) {
    Program p = loops(n);
    const Function &f = p.functions[0];
    CFG cfg(f);
    EXPECT_EQ(ChosenLiveness(f, cfg).dense(), dense) << n << " loops";
    expectSameLiveness(f);
  }
}

TEST(AnalysisCacheTest, RecomputesOnlyAfterInvalidation) {
  Program p = parseOrDie(kDiamond);
  Function &f = p.functions[0];
  AnalysisCache cache(f);
  BlockId a = blockNamed(f, "a"), b = blockNamed(f, "b"), d = blockNamed(f, "d");
  EXPECT_EQ(cache.domTree().idom(d), a);
  const CFG *first = &cache.cfg();
  EXPECT_EQ(&cache.cfg(), first); // cached
  // Make .a jump straight to .b: now .b dominates .d.
  Instr &term = *f.block(a).terminator();
  term.op = Opcode::Jmp;
  term.args.clear();
  term.labels = {b};
  EXPECT_EQ(cache.domTree().idom(d), a); // stale until invalidated, by design
  cache.invalidateCFG();
  EXPECT_EQ(cache.domTree().idom(d), b);
  EXPECT_FALSE(cache.cfg().reachable(blockNamed(f, "c")));
}

// cfg(Guards::Absent) builds from the terminators alone when nothing is
// cached yet (a guard's abort edge is then not seen, which is why only a
// caller that saw no guard may ask so), and returns the cached CFG as it is
// otherwise.
TEST(AnalysisCacheTest, CFGWithoutGuardScanSkipsAbortEdgesOnlyWhenBuilt) {
  Program p = parseOrDie(R"(@main(c: bool) {
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
  Function &f = p.functions[0];
  BlockId a = blockNamed(f, "a"), fail = blockNamed(f, "fail");
  AnalysisCache scanned(f);
  EXPECT_TRUE(contains(scanned.cfg().succs(a), fail));
  EXPECT_TRUE(contains(scanned.cfg(CFG::Guards::Absent).succs(a), fail)); // already built
  AnalysisCache unscanned(f);
  EXPECT_FALSE(contains(unscanned.cfg(CFG::Guards::Absent).succs(a), fail));
  EXPECT_FALSE(unscanned.cfg().reachable(fail));
  unscanned.invalidateCFG();
  EXPECT_TRUE(unscanned.cfg(CFG::Guards::Scan).reachable(fail));
}

// UseIndex lists each reader of a variable once per operand, in layout order,
// with its block; a `set`'s first argument is not a read; variables at or
// above the bound have no entry.
TEST(UseIndexTest, ListsEveryReadInLayoutOrderWithItsBlock) {
  Program p = test::parseOrDie(R"(@main(n: int) {
  one: int = const 1;
  sq: int = mul n n;
.loop:
  c: bool = lt one sq;
  br c .body .done;
.body:
  s: int = get;
  set s one;
  jmp .loop;
.done:
  print sq n;
}
)");
  const Function &f = p.functions[0];
  UseIndex index;
  EXPECT_FALSE(index.built());
  VarId n = *f.lookupVar("n"), one = *f.lookupVar("one"), sq = *f.lookupVar("sq");
  VarId s = *f.lookupVar("s");
  VarId last = std::max(n, std::max(one, sq));
  index.build(f, last + 1);
  EXPECT_TRUE(index.built());
  // The naive answer: every operand read, walking the layout.
  for (VarId v : {n, one, sq}) {
    std::vector<std::pair<const Instr *, BlockId>> naive;
    for (BlockId b : f.layout)
      for (const Instr &in : f.block(b).instrs)
        forEachUse(in, [&](VarId u) {
          if (u == v)
            naive.emplace_back(&in, b);
        });
    llvm::ArrayRef<UseIndex::Use> got = index.of(v);
    ASSERT_EQ(got.size(), naive.size()) << f.varName(v);
    for (size_t i = 0; i < naive.size(); ++i) {
      EXPECT_EQ(got[i].instr, naive[i].first) << f.varName(v);
      EXPECT_EQ(got[i].block, naive[i].second) << f.varName(v);
    }
  }
  EXPECT_EQ(index.of(n).size(), 3u); // mul n n, print sq n
  EXPECT_EQ(index.of(one).size(), 2u); // lt, set's value
  ASSERT_GT(s, last); // names are numbered as they first appear
  EXPECT_TRUE(index.of(s).empty()); // past the bound
}

} // namespace
} // namespace brisk
