// CFG and DominatorTree (flat arrays: edges and tree children grouped by
// block with counting sorts) against naive computations on generated
// programs, plain, optimized under --force-speculation (guards add edges),
// and with a block cut from the layout (unreachable blocks, blocks off the
// layout): successors are blockSuccessors() for every layout block and none
// for the others; the RPO is a recursive depth-first search's; predecessors
// are the reachable sources in RPO, each in the order the RPO meets them;
// idoms are the dominator sets' (iterated to a fixpoint) and each block's
// children are the blocks it immediately dominates, in RPO. A CFG built
// with Guards::Absent on a function without guards is the same, and so is
// one built from the targets of the terminators (as simplify-cfg keeps
// them) once every fall-through is a jump.
#include "analysis/Dominators.h"
#include "test/transforms/Differential.h"
#include "tools/gen/ProgramGenerator.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace brisk {
namespace {

std::vector<BlockId> vec(BlockRange r) { return std::vector<BlockId>(r.begin(), r.end()); }

// Returns how many blocks off the RPO (unreachable or cut) the function has.
unsigned expectNaive(const Function &f, const std::string &what) {
  CFG cfg(f);
  const size_t n = f.blocks.size();
  EXPECT_EQ(cfg.numBlocks(), n) << what;
  std::vector<std::vector<BlockId>> succs(n), preds(n);
  for (BlockId b : f.layout) {
    BlockList s = blockSuccessors(f, b);
    succs[b].assign(s.begin(), s.end());
  }
  std::vector<BlockId> post;
  std::vector<bool> seen(n, false);
  std::function<void(BlockId)> dfs = [&](BlockId b) {
    seen[b] = true;
    for (BlockId s : succs[b])
      if (!seen[s])
        dfs(s);
    post.push_back(b);
  };
  if (!f.layout.empty())
    dfs(f.layout.front());
  std::vector<BlockId> rpo(post.rbegin(), post.rend());
  for (BlockId b : rpo)
    for (BlockId s : succs[b])
      preds[s].push_back(b);
  EXPECT_EQ(cfg.rpo(), rpo) << what;
  bool hasGuard = false;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      hasGuard |= in.op == Opcode::Guard;
  if (!hasGuard) {
    CFG quick(f, CFG::Guards::Absent);
    EXPECT_EQ(quick.rpo(), rpo) << what;
    for (BlockId b = 0; b < n; ++b) {
      EXPECT_EQ(vec(quick.succs(b)), succs[b]) << what << " block " << b;
      EXPECT_EQ(vec(quick.preds(b)), preds[b]) << what << " block " << b;
      EXPECT_EQ(quick.fallthrough(b), cfg.fallthrough(b)) << what << " block " << b;
    }
  }
  unsigned off = 0;
  for (BlockId b = 0; b < n; ++b) {
    EXPECT_EQ(vec(cfg.succs(b)), succs[b]) << what << " block " << b;
    EXPECT_EQ(vec(cfg.preds(b)), preds[b]) << what << " block " << b;
    EXPECT_EQ(cfg.reachable(b), bool(seen[b])) << what << " block " << b;
    off += !seen[b];
  }
  // Dominator sets, as bit rows over RPO positions.
  const size_t m = rpo.size();
  std::vector<std::vector<bool>> dom(m, std::vector<bool>(m, true));
  if (m) {
    dom[0].assign(m, false);
    dom[0][0] = true;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 1; i < m; ++i) {
      std::vector<bool> d(m, true);
      for (BlockId p : preds[rpo[i]])
        for (size_t k = 0; k < m; ++k)
          d[k] = d[k] && dom[cfg.rpoIndex(p)][k];
      d[i] = true;
      if (d != dom[i]) {
        dom[i] = d;
        changed = true;
      }
    }
  }
  DominatorTree tree(cfg);
  std::vector<std::vector<BlockId>> children(n);
  for (size_t i = 1; i < m; ++i) {
    // The immediate dominator: the strict dominator dominated by all others.
    BlockId idom = kNoBlock;
    for (size_t k = 0; k < m; ++k) {
      if (k == i || !dom[i][k])
        continue;
      bool all = true;
      for (size_t j = 0; j < m; ++j)
        if (j != i && dom[i][j] && !dom[k][j])
          all = false;
      if (all)
        idom = rpo[k];
    }
    EXPECT_EQ(tree.idom(rpo[i]), idom) << what << " block " << rpo[i];
    if (idom != kNoBlock)
      children[idom].push_back(rpo[i]);
  }
  for (BlockId b = 0; b < n; ++b)
    EXPECT_EQ(vec(tree.children(b)), children[b]) << what << " block " << b;
  return off;
}

// f without guards, with every fall-through made a `jmp` (a `ret` at the
// end): the CFG from its terminators' targets is the one from its blocks.
void expectSameFromTargets(Function g, const std::string &what) {
  for (size_t i = 0; i < g.layout.size(); ++i) {
    Block &blk = g.block(g.layout[i]);
    if (blk.terminator())
      continue;
    Instr end;
    end.op = Opcode::Ret;
    blk.instrs.push_back(i + 1 < g.layout.size() ? makeJump(g.layout[i + 1]) : end);
  }
  CFG fromBlocks(g, CFG::Guards::Absent);
  CFG fromTargets(g, [&](BlockId b) {
    const IdVector &labels = g.block(b).terminator()->labels;
    return BlockRange(labels.data(), labels.size());
  });
  EXPECT_EQ(fromTargets.rpo(), fromBlocks.rpo()) << what;
  EXPECT_EQ(fromTargets.numEdges(), fromBlocks.numEdges()) << what;
  for (BlockId b = 0; b < g.blocks.size(); ++b) {
    EXPECT_EQ(vec(fromTargets.succs(b)), vec(fromBlocks.succs(b))) << what << " block " << b;
    EXPECT_EQ(vec(fromTargets.preds(b)), vec(fromBlocks.preds(b))) << what << " block " << b;
    EXPECT_EQ(fromTargets.fallthrough(b), kNoBlock) << what << " block " << b;
  }
}

TEST(CFGEquivalence, FlatCFGAndDominatorTreeEqualNaiveComputations) {
  unsigned optimized = 0, guards = 0, off = 0, fromTargets = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    GenOptions o;
    o.seed = seed;
    o.size = 250;
    o.undefinedReads = true;
    o.ownSpeculation = seed % 2 == 0;
    o.hotLoops = true;
    o.loopNests = seed % 3 == 0;
    Program p = generateProgram(o);
    std::vector<Program> forms{p};
    std::string train;
    for (int64_t a : generateArguments(seed, 0)) {
      if (!train.empty())
        train += ' ';
      train += std::to_string(a);
    }
    if (test::run(p, test::splitArgs(train)).ok) {
      SuperblockPipelineOptions force;
      force.superblocks.forceSpeculation = true;
      forms.push_back(test::optimizeOn(p, train, force));
      ++optimized;
    }
    for (size_t k = 0; k < forms.size(); ++k)
      for (const Function &f : forms[k].functions) {
        std::string what = "seed " + std::to_string(seed) + " form " + std::to_string(k) + " @" +
                           f.name;
        unsigned own = 0;
        for (BlockId b : f.layout)
          for (const Instr &in : f.block(b).instrs)
            own += in.op == Opcode::Guard;
        guards += own;
        off += expectNaive(f, what);
        if (own == 0) {
          expectSameFromTargets(f, what + " (from targets)");
          ++fromTargets;
        }
        if (f.layout.size() > 2) {
          Function cut = f;
          cut.layout.erase(cut.layout.begin() + 1);
          off += expectNaive(cut, what + " (cut)");
        }
      }
  }
  EXPECT_GT(optimized, 10u);
  EXPECT_GT(guards, 10u);
  EXPECT_GT(off, 10u);
  EXPECT_GT(fromTargets, 30u);
}

} // namespace
} // namespace brisk
