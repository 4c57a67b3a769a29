// The reduced DefiniteAssignment (bits only for trackedVariables) against
// the dense reference (a bit for every variable) on generated programs:
// the same possibly-undefined reads, and the same answer of isAssignedIn for
// every tracked variable at every block. The programs are `brisk gen`'s with
// undefined reads and their own speculation, and the same programs optimized
// under --force-speculation (guards, speculate and commit in long blocks,
// recovery code reached from them), where the reduction keeps a variable
// untracked only when no failed guard can undo its assignment.
#include "analysis/DefiniteAssignment.h"
#include "test/transforms/Differential.h"
#include "tools/gen/ProgramGenerator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace brisk {
namespace {

// Compares the two analyses on every function of `p`; returns how many
// functions use speculation (so the test can check it saw some).
unsigned expectSameAsDense(const Program &p, const std::string &what) {
  unsigned speculating = 0;
  for (const Function &f : p.functions) {
    if (f.layout.empty())
      continue;
    CFG cfg(f);
    DominatorTree dom(cfg);
    DefiniteAssignment reduced(f, cfg);
    DefiniteAssignment dense(f, cfg, DefiniteAssignment::Tracking::Every);
    auto key = [](const PossiblyUndefinedRead &r) {
      return std::to_string(r.block) + ":" + std::to_string(r.instr) + ":" +
             std::to_string(r.arg) + ":" + std::to_string(r.var);
    };
    std::vector<std::string> a, b;
    for (const PossiblyUndefinedRead &r : reduced.possiblyUndefinedReads())
      a.push_back(key(r));
    for (const PossiblyUndefinedRead &r : dense.possiblyUndefinedReads())
      b.push_back(key(r));
    EXPECT_EQ(a, b) << what << " @" << f.name;
    std::vector<uint32_t> tracked = DefiniteAssignment::trackedVariables(f, cfg, dom);
    unsigned mismatches = 0;
    for (BlockId blk : cfg.rpo())
      for (VarId v = 0; v < f.numVars(); ++v)
        if (tracked[v] != DefiniteAssignment::kUntracked &&
            reduced.isAssignedIn(v, blk) != dense.isAssignedIn(v, blk) && mismatches++ == 0)
          ADD_FAILURE() << what << " @" << f.name << " " << f.varName(v) << " in block " << blk;
    EXPECT_EQ(mismatches, 0u) << what << " @" << f.name;
    bool speculates = false;
    for (BlockId blk : f.layout)
      for (const Instr &in : f.block(blk).instrs)
        speculates |= in.op == Opcode::Guard;
    speculating += speculates;
  }
  return speculating;
}

TEST(DefiniteAssignmentEquivalence, ReducedEqualsDenseOnGeneratedAndOptimizedPrograms) {
  unsigned speculating = 0, optimized = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    GenOptions o;
    o.seed = seed;
    o.size = 250;
    o.undefinedReads = true;
    o.ownSpeculation = true;
    o.hotLoops = true;
    o.memory = false;
    Program p = generateProgram(o);
    std::string what = "seed " + std::to_string(seed);
    speculating += expectSameAsDense(p, what);
    std::string train;
    for (int64_t a : generateArguments(seed, 0)) {
      if (!train.empty())
        train += ' ';
      train += std::to_string(a);
    }
    if (!test::run(p, test::splitArgs(train)).ok)
      continue;
    SuperblockPipelineOptions force;
    force.superblocks.forceSpeculation = true;
    Program q = test::optimizeOn(p, train, force);
    ++optimized;
    speculating += expectSameAsDense(q, what + " optimized");
  }
  EXPECT_GT(optimized, 10u);
  EXPECT_GT(speculating, 10u);
}

} // namespace
} // namespace brisk
