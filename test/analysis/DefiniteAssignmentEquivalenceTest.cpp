// The reduced DefiniteAssignment (bits only for trackedVariables) against
// the dense reference (a bit for every variable) on generated programs:
// the same possibly-undefined reads, and the same answer of isAssignedIn for
// every tracked variable at every block. The programs are `brisk gen`'s with
// undefined reads and their own speculation, and the same programs optimized
// under --force-speculation (guards, speculate and commit in long blocks,
// recovery code reached from them), where the reduction keeps a variable
// untracked only when no failed guard can undo its assignment; and small
// random control flow with speculate, commit and guards anywhere (nested,
// in loops, before and after assignments, commits on some paths only), where
// a reduction rule that misses a way to undo an assignment shows.
#include "analysis/DefiniteAssignment.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/Differential.h"
#include "tools/gen/ProgramGenerator.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace brisk {
namespace {

// Compares the two analyses on every function of `p`; returns how many
// functions use speculation (so the test can check it saw some). On a plain
// function (isPlainNonSpeculative) also checks that being told so
// (Shape::Plain, which skips the walk that looks) changes no answer, and
// counts it in `plain`.
unsigned expectSameAsDense(const Program &p, const std::string &what, unsigned *plain = nullptr) {
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
    if (plain && isPlainNonSpeculative(f)) {
      ++*plain;
      DefiniteAssignment told(f, cfg, dom, DefiniteAssignment::Tracking::Needed,
                              DefiniteAssignment::Shape::Plain);
      std::vector<std::string> c;
      for (const PossiblyUndefinedRead &r : told.possiblyUndefinedReads())
        c.push_back(key(r));
      EXPECT_EQ(c, a) << what << " @" << f.name << " (told plain)";
      EXPECT_EQ(DefiniteAssignment::trackedVariables(f, cfg, dom, DefiniteAssignment::Shape::Plain),
                tracked)
          << what << " @" << f.name << " (told plain)";
    }
    bool speculates = false;
    for (BlockId blk : f.layout)
      for (const Instr &in : f.block(blk).instrs)
        speculates |= in.op == Opcode::Guard;
    speculating += speculates;
  }
  return speculating;
}

TEST(DefiniteAssignmentEquivalence, ReducedEqualsDenseOnGeneratedAndOptimizedPrograms) {
  unsigned speculating = 0, optimized = 0, plain = 0;
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
    speculating += expectSameAsDense(p, what, &plain);
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
  EXPECT_GT(plain, 10u);
}

// A random function of a few blocks over variables v0..v3 (each assigned
// somewhere, in an unreachable block at least, so the program parses), whose
// instructions are assignments, reads, speculate, commit and guards to any
// block, and whose blocks end in a jump, a branch, a return or a
// fall-through. Not meant to run (a commit may come outside speculation):
// the analysis answers for any control flow.
std::string randomSpeculativeFunction(std::mt19937 &rng) {
  auto pick = [&](unsigned n) { return unsigned(rng() % n); };
  const unsigned blocks = 2 + pick(6);
  auto label = [&]() { return std::string(".L") += std::to_string(pick(blocks)); };
  auto var = [&]() { return std::string("v") += std::to_string(pick(4)); };
  std::string t = "@main(b: bool, p: int) {\n";
  for (unsigned k = 0; k < blocks; ++k) {
    t += ".L" + std::to_string(k) + ":\n";
    for (unsigned n = pick(7); n > 0; --n) {
      switch (pick(7)) {
      case 0: t += "  " + var() + ": int = const 1;\n"; break;
      case 1: t += "  " + var() + ": int = add " + var() + " p;\n"; break;
      case 2: t += "  print " + var() + ";\n"; break;
      case 3: t += "  speculate;\n"; break;
      case 4: t += "  commit;\n"; break;
      default: t += "  guard b " + label() + ";\n"; break;
      }
    }
    switch (pick(5)) {
    case 0: t += "  jmp " + label() + ";\n"; break;
    case 1: t += "  br b " + label() + " " + label() + ";\n"; break;
    case 2: t += "  jmp .end;\n"; break;
    default: break; // falls through (into .end from the last block)
    }
  }
  t += ".end:\n  ret;\n.dead:\n";
  for (int v = 0; v < 4; ++v)
    t += "  v" + std::to_string(v) + ": int = const 0;\n";
  return t + "}\n";
}

TEST(DefiniteAssignmentEquivalence, ReducedEqualsDenseOnRandomSpeculativeControlFlow) {
  std::mt19937 rng(5);
  unsigned speculating = 0, reported = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text = randomSpeculativeFunction(rng);
    Program p = test::parseOrDie(text);
    speculating += expectSameAsDense(p, text);
    CFG cfg(p.functions[0]);
    reported += !DefiniteAssignment(p.functions[0], cfg).possiblyUndefinedReads().empty();
  }
  // Most functions speculate; some, not all, read a variable unassigned.
  EXPECT_GT(speculating, 3000u);
  EXPECT_GT(reported, 400u);
  EXPECT_LT(reported, 3600u);
}

} // namespace
} // namespace brisk
