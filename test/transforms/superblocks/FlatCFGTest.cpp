// FlatCFG (transforms/superblocks/FlatCFG.h) against analysis/CFG: the same
// successors, predecessors (in the same order), reverse post-order and
// reachability, on generated programs with their own speculation, loop
// nests and reads of undefined variables, before and after the superblock
// pipeline, and with blocks dropped from the layout. One FlatCFG object is
// rebuilt for every function, as the superblock pass reuses it.
#include "analysis/CFG.h"
#include "test/transforms/TestSupport.h"
#include "test/transforms/superblocks/GeneratedForms.h"
#include "transforms/superblocks/FlatCFG.h"

#include <gtest/gtest.h>

#include <string>

namespace brisk {
namespace {

void expectSame(const FlatCFG &flat, const Function &f, const std::string &what) {
  CFG cfg(f);
  ASSERT_EQ(flat.entry(), cfg.entry()) << what;
  ASSERT_EQ(flat.numBlocks(), cfg.numBlocks()) << what;
  ASSERT_EQ(flat.rpo(), cfg.rpo()) << what;
  for (BlockId b = 0; b < cfg.numBlocks(); ++b) {
    ASSERT_EQ(flat.reachable(b), cfg.reachable(b)) << what << " block " << b;
    ASSERT_EQ(flat.rpoIndex(b), cfg.rpoIndex(b)) << what << " block " << b;
    std::vector<BlockId> preds(cfg.preds(b).begin(), cfg.preds(b).end());
    ASSERT_EQ(flat.preds(b).vec(), preds) << what << " block " << b;
    if (std::find(f.layout.begin(), f.layout.end(), b) != f.layout.end()) {
      std::vector<BlockId> succs(cfg.succs(b).begin(), cfg.succs(b).end());
      ASSERT_EQ(flat.succs(b).vec(), succs) << what << " block " << b;
    }
  }
}

TEST(FlatCFGTest, MatchesTheCFG) {
  FlatCFG flat;
  unsigned guards = 0, unreachable = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    GenOptions go;
    go.seed = seed;
    go.size = 300;
    go.undefinedReads = true;
    go.ownSpeculation = seed % 2 == 0;
    go.hotLoops = true;
    go.loopNests = seed % 3 == 0;
    std::vector<Program> forms = test::generatedForms(go);
    for (size_t k = 0; k < forms.size(); ++k)
      for (Function &f : forms[k].functions) {
        std::string what = "seed " + std::to_string(seed) + " form " + std::to_string(k) +
                           " @" + f.name;
        guards += test::countOp(f, Opcode::Guard) ? 1 : 0;
        flat.build(f);
        expectSame(flat, f, what);
        // Without its second block in the layout: what was its
        // fall-through target changes, targets off the layout remain.
        if (f.layout.size() > 2) {
          Function cut = f;
          cut.layout.erase(cut.layout.begin() + 1);
          flat.build(cut);
          expectSame(flat, cut, what + " (cut)");
          CFG cfg(cut);
          for (BlockId b : cut.layout)
            unreachable += cfg.reachable(b) ? 0 : 1;
        }
      }
  }
  // The comparison saw guards and unreachable blocks.
  EXPECT_GT(guards, 5u);
  EXPECT_GT(unreachable, 5u);
}

} // namespace
} // namespace brisk
