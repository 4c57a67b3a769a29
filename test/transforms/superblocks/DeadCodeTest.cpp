// DeadCode (transforms/superblocks/DeadCode.h): the sparse liveness and the
// dead-code elimination built on it agree with the dense formulation they
// replaced (a bit vector of every variable per block, iterated round robin
// over the layout, DefiniteAssignment asked again every round), written out
// here as the reference. Compared on generated programs (with reads of
// variables defined on some paths only and their own speculation), on the
// same programs after the superblock pipeline with forced speculation, and
// on both with dead pure instructions sprinkled in (so that dead chains,
// dead writes inside speculation and dead reads of unassigned variables
// occur).
#include "analysis/CFG.h"
#include "analysis/DefiniteAssignment.h"
#include "analysis/Liveness.h"
#include "analysis/Uses.h"
#include "backend/TextPrinter.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "test/transforms/superblocks/GeneratedForms.h"
#include "transforms/superblocks/DeadCode.h"

#include <llvm/ADT/BitVector.h>
#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/DenseSet.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

namespace brisk {
namespace {

uint64_t site(BlockId b, size_t i) { return (uint64_t(b) << 32) | uint64_t(i); }

// The dense reference, as DeadCode.h states the rule.
class DenseDeadCode {
public:
  explicit DenseDeadCode(Function &f) : f_(f) {}

  std::vector<llvm::BitVector> liveIn() {
    computeSegments();
    computeLiveness();
    return in_;
  }

  bool run() {
    for (BlockId b : f_.layout)
      for (const Instr &in : f_.block(b).instrs)
        if (in.op == Opcode::Phi || in.op == Opcode::Set || in.op == Opcode::Get)
          return false;
    bool changed = false;
    for (int round = 0; round < 16; ++round) {
      computeSegments();
      computeLiveness();
      if (!sweep())
        break;
      changed = true;
    }
    return changed;
  }

private:
  BlockList normalSuccs(BlockId b) const {
    BlockList out;
    if (const Instr *t = f_.block(b).terminator()) {
      if (t->op != Opcode::Ret)
        for (BlockId l : t->labels)
          if (std::find(out.begin(), out.end(), l) == out.end())
            out.push_back(l);
    } else if (auto it = next_.find(b); it != next_.end() && it->second != kNoBlock) {
      out.push_back(it->second);
    }
    return out;
  }

  void computeSegments() {
    next_.clear();
    for (size_t i = 0; i + 1 < f_.layout.size(); ++i)
      next_[f_.layout[i]] = f_.block(f_.layout[i]).terminator() ? kNoBlock : f_.layout[i + 1];
    specLabels_.clear();
    claimed_.clear();
    for (BlockId b : f_.layout) {
      const auto &ins = f_.block(b).instrs;
      for (size_t i = 0; i < ins.size(); ++i)
        if (ins[i].op == Opcode::Speculate)
          specLabels_[site(b, i)] = walk(b, i + 1);
    }
  }

  std::vector<BlockId> walk(BlockId b0, size_t i0) {
    std::vector<BlockId> labels;
    llvm::DenseSet<BlockId> seen;
    std::vector<std::pair<BlockId, size_t>> work{{b0, i0}};
    while (!work.empty()) {
      auto [b, start] = work.back();
      work.pop_back();
      const auto &ins = f_.block(b).instrs;
      bool stopped = false;
      for (size_t i = start; i < ins.size() && !stopped; ++i) {
        if (ins[i].op == Opcode::Commit || ins[i].op == Opcode::Speculate)
          stopped = true;
        else if (ins[i].op == Opcode::Guard) {
          claimed_.insert(site(b, i));
          for (BlockId l : ins[i].labels)
            if (std::find(labels.begin(), labels.end(), l) == labels.end())
              labels.push_back(l);
        }
      }
      if (!stopped)
        for (BlockId s : normalSuccs(b))
          if (seen.insert(s).second)
            work.push_back({s, 0});
    }
    return labels;
  }

  template <typename OnInstr>
  void transfer(BlockId b, llvm::BitVector &live, OnInstr &&onInstr) {
    const auto &ins = f_.block(b).instrs;
    for (size_t i = ins.size(); i-- > 0;) {
      const Instr &in = ins[i];
      onInstr(i, in, live);
      if (in.hasDest())
        live.reset(in.dest);
      forEachUse(in, [&](VarId v) { live.set(v); });
      if (in.op == Opcode::Speculate) {
        for (BlockId l : specLabels_.lookup(site(b, i)))
          live |= in_[l];
      } else if (in.op == Opcode::Guard && !claimed_.contains(site(b, i))) {
        for (BlockId l : in.labels)
          live |= in_[l];
      }
    }
  }

  void computeLiveness() {
    unsigned nv = unsigned(f_.numVars());
    in_.assign(f_.blocks.size(), llvm::BitVector(nv));
    for (bool changed = true; changed;) {
      changed = false;
      for (auto it = f_.layout.rbegin(); it != f_.layout.rend(); ++it) {
        llvm::BitVector live(nv);
        for (BlockId s : normalSuccs(*it))
          live |= in_[s];
        transfer(*it, live, [](size_t, const Instr &, llvm::BitVector &) {});
        if (live != in_[*it]) {
          in_[*it] = std::move(live);
          changed = true;
        }
      }
    }
  }

  bool sweep() {
    bool changed = false;
    CFG cfg(f_);
    DefiniteAssignment assigned(f_, cfg);
    for (BlockId b : f_.layout) {
      llvm::BitVector live(unsigned(f_.numVars()));
      for (BlockId s : normalSuccs(b))
        live |= in_[s];
      std::vector<bool> doomed(f_.block(b).instrs.size(), false);
      transfer(b, live, [&](size_t i, const Instr &in, llvm::BitVector &l) {
        if (in.hasDest() && isPure(in.op) && in.op != Opcode::Phi && !l.test(in.dest) &&
            !assigned.mayReadUndefined(b, unsigned(i)))
          doomed[i] = true;
      });
      auto &ins = f_.block(b).instrs;
      size_t w = 0;
      for (size_t i = 0; i < ins.size(); ++i) {
        if (doomed[i]) {
          changed = true;
          continue;
        }
        if (w != i)
          ins[w] = std::move(ins[i]);
        ++w;
      }
      ins.resize(w);
    }
    return changed;
  }

  Function &f_;
  llvm::DenseMap<BlockId, BlockId> next_;
  llvm::DenseMap<uint64_t, std::vector<BlockId>> specLabels_;
  llvm::DenseSet<uint64_t> claimed_;
  std::vector<llvm::BitVector> in_;
};

std::string text(const Function &f) {
  std::ostringstream os;
  printFunction(f, os);
  return os.str();
}

// Inserts pure instructions writing existing int and bool variables from
// others at random places (never after a terminator): most are dead, some
// make earlier writes dead, some read a variable before any write.
void sprinkleDeadCode(Function &f, std::mt19937 &rng) {
  std::vector<VarId> ints, bools;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.hasDest() && in.type.isInt() && !in.type.ptrDepth())
        ints.push_back(in.dest);
      else if (in.hasDest() && in.type.isBool())
        bools.push_back(in.dest);
  if (ints.empty())
    return;
  auto pick = [&](const std::vector<VarId> &vs) { return vs[rng() % vs.size()]; };
  for (BlockId b : f.layout) {
    auto &ins = f.block(b).instrs;
    size_t limit = ins.size() - (f.block(b).terminator() ? 1 : 0);
    for (int k = int(rng() % 3); k > 0; --k) {
      Instr in;
      if (bools.empty() || rng() % 2) {
        in.op = rng() % 2 ? Opcode::Add : Opcode::Mul;
        in.type = Type::intTy();
        in.dest = pick(ints);
        in.args = {pick(ints), pick(ints)};
      } else {
        in.op = Opcode::Lt;
        in.type = Type::boolTy();
        in.dest = pick(bools);
        in.args = {pick(ints), pick(ints)};
      }
      size_t at = limit ? rng() % (limit + 1) : 0;
      ins.insert(ins.begin() + std::ptrdiff_t(at), std::move(in));
      ++limit;
    }
  }
}

// Checks one function: the live-in sets, then the elimination's result.
void expectSameAsDense(const Function &f, const std::string &what) {
  LiveSets sparse = speculativeLiveIn(f);
  Function copy = f;
  std::vector<llvm::BitVector> dense = DenseDeadCode(copy).liveIn();
  ASSERT_EQ(sparse.size(), dense.size()) << what;
  for (BlockId b : f.layout) {
    std::vector<VarId> expected;
    for (int v = dense[b].find_first(); v >= 0; v = dense[b].find_next(unsigned(v)))
      expected.push_back(VarId(v));
    ASSERT_EQ(std::vector<VarId>(sparse[b].begin(), sparse[b].end()), expected) << what << ": live into block " << b << "\n" << text(f);
  }
  // Told that f is plain (no speculate, guard, phi, set or get), the sets
  // are the same without the look at every instruction.
  bool plain = true;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      plain &= in.op != Opcode::Speculate && in.op != Opcode::Guard && in.op != Opcode::Phi &&
               in.op != Opcode::Set && in.op != Opcode::Get;
  if (plain) {
    LiveSets told = speculativeLiveIn(f, true);
    ASSERT_EQ(told.size(), sparse.size()) << what;
    for (BlockId b : f.layout)
      ASSERT_EQ(llvm::ArrayRef<VarId>(told[b]), llvm::ArrayRef<VarId>(sparse[b])) << what;
  }
  Function byDense = f, bySparse = f;
  bool denseChanged = DenseDeadCode(byDense).run();
  bool sparseChanged = eliminateDeadCode(bySparse);
  EXPECT_EQ(sparseChanged, denseChanged) << what;
  EXPECT_EQ(text(bySparse), text(byDense)) << what << "\nbefore:\n" << text(f);
}

// Dead code works on plain form: a function with sets and gets (found in
// the eliminator's own look at the instructions) is left as it is, while
// the same dead instruction goes from a plain one.
TEST(DeadCodeTest, AFunctionWithSetsAndGetsIsLeftAlone) {
  const char *ssa = R"(
@main(n: int) {
  dead: int = add n n;
  set v n;
  v: int = get;
  print v;
}
)";
  const char *plain = R"(
@main(n: int) {
  dead: int = add n n;
  v: int = id n;
  print v;
}
)";
  Program p = test::parseOrDie(ssa);
  std::string before = text(p.functions[0]);
  EXPECT_FALSE(eliminateDeadCode(p.functions[0]));
  EXPECT_EQ(text(p.functions[0]), before);
  Program q = test::parseOrDie(plain);
  EXPECT_TRUE(eliminateDeadCode(q.functions[0]));
  EXPECT_EQ(text(q.functions[0]).find("dead"), std::string::npos);
}

// A block off the layout (removed earlier, its id kept) has no edges and no
// reads: its read of x keeps nothing alive, its jump enters nothing, and it
// is not looked into (on a large function such blocks are many and cold).
TEST(DeadCodeTest, BlocksOffTheLayoutCountForNothing) {
  const char *withRemoved = R"(
@main(n: int) {
.entry:
  x: int = add n n;
  y: int = mul n n;
  jmp .exit;
.removed:
  print x;
  jmp .exit;
.exit:
  print y;
}
)";
  const char *without = R"(
@main(n: int) {
.entry:
  y: int = mul n n;
  jmp .exit;
.exit:
  print y;
}
)";
  Program p = test::parseOrDie(withRemoved);
  Function &f = p.functions[0];
  BlockId removed = test::blockNamed(f, "removed");
  f.blocks[removed].dead = true;
  std::erase(f.layout, removed);
  EXPECT_TRUE(eliminateDeadAndUnreachableCode(f));
  Program q = test::parseOrDie(without);
  EXPECT_EQ(text(f), text(q.functions[0]));
}

TEST(DeadCodeTest, SparseLivenessAndEliminationMatchTheDenseOnes) {
  unsigned speculative = 0, changedSome = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    GenOptions go;
    go.seed = seed;
    go.size = 400;
    go.undefinedReads = true;
    go.ownSpeculation = seed % 2 == 0;
    go.hotLoops = true;
    std::vector<Program> forms = test::generatedForms(go);
    std::mt19937 rng{unsigned(seed)};
    for (size_t k = 0, n = forms.size(); k < n; ++k) {
      Program sprinkled = forms[k];
      for (Function &f : sprinkled.functions)
        sprinkleDeadCode(f, rng);
      forms.push_back(std::move(sprinkled));
    }
    for (size_t k = 0; k < forms.size(); ++k)
      for (const Function &f : forms[k].functions) {
        speculative += test::countOp(f, Opcode::Speculate) ? 1 : 0;
        Function probe = f;
        changedSome += DenseDeadCode(probe).run() ? 1 : 0;
        // Both representations of the live sets (Liveness.h: detail).
        for (LivenessForm form : {LivenessForm::Sparse, LivenessForm::Dense}) {
          detail::forcedLivenessForm = form;
          expectSameAsDense(f, "seed " + std::to_string(seed) + " form " + std::to_string(k) +
                                   " @" + f.name +
                                   (form == LivenessForm::Dense ? " (bit rows)" : " (sorted lists)"));
        }
        detail::forcedLivenessForm.reset();
      }
  }
  // The comparison saw speculation and removed code.
  EXPECT_GT(speculative, 10u);
  EXPECT_GT(changedSome, 10u);
}

// With the sorted lists, a variable defined once and read where its
// definition surely reaches (a block it dominates) gets no sets: `a` stays.
// One whose only read its definition cannot reach is decided by the sets
// as before: `w`'s definition goes (a rule that skipped every variable
// defined once would keep it), and so does `z`, read nowhere.
TEST(DeadCodeTest, SortedListsLeaveOutWhatADominatedReadKeepsAlive) {
  const char *before = R"(
@main(n: int) {
  a: int = add n n;
  z: int = mul n n;
  c: bool = lt n n;
  br c .early .late;
.early:
  print w;
  jmp .end;
.late:
  w: int = add n n;
  jmp .end;
.end:
  print a;
}
)";
  const char *after = R"(
@main(n: int) {
  a: int = add n n;
  c: bool = lt n n;
  br c .early .late;
.early:
  print w;
  jmp .end;
.late:
  jmp .end;
.end:
  print a;
}
)";
  for (LivenessForm form : {LivenessForm::Sparse, LivenessForm::Dense}) {
    detail::forcedLivenessForm = form;
    Program p = test::parseOrDie(before);
    EXPECT_TRUE(eliminateDeadCode(p.functions[0]));
    Program q = test::parseOrDie(after);
    EXPECT_EQ(text(p.functions[0]), text(q.functions[0]))
        << (form == LivenessForm::Dense ? "bit rows" : "sorted lists");
  }
  detail::forcedLivenessForm.reset();
}

// eliminateDeadAndUnreachableCode answers the reachability walk from the
// eliminator's own successor lists: it must leave what the two passes one
// after the other leave, on a block a guard alone reaches (kept), blocks
// nothing reaches (dropped, also one whose only jump into it is dead), and
// on generated programs with their own speculation.
TEST(DeadCodeTest, DeadAndUnreachableCodeTogetherAsOneAfterTheOther) {
  const char *guarded = R"(
@main(n: int) {
  zero: int = const 0;
  speculate;
  c: bool = lt n zero;
  guard c .recover;
  commit;
  print n;
  ret;
.recover:
  dead: int = add n n;
  print zero;
  ret;
.island:
  x: int = add n n;
  jmp .island2;
.island2:
  print x;
}
)";
  std::vector<Program> programs{test::parseOrDie(guarded)};
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    GenOptions go;
    go.seed = seed;
    go.size = 300;
    go.ownSpeculation = seed % 2 == 0;
    go.hotLoops = true;
    programs.push_back(generateProgram(go));
  }
  unsigned dropped = 0;
  for (const Program &p : programs)
    for (const Function &f : p.functions) {
      Function apart = f, together = f;
      bool changedApart = eliminateDeadCode(apart);
      changedApart |= removeUnreachableBlocks(apart);
      EXPECT_EQ(eliminateDeadAndUnreachableCode(together), changedApart) << "@" << f.name;
      EXPECT_EQ(text(together), text(apart)) << "@" << f.name;
      EXPECT_EQ(together.layout, apart.layout) << "@" << f.name;
      for (BlockId b = 0; b < apart.blocks.size(); ++b)
        EXPECT_EQ(together.block(b).dead, apart.block(b).dead) << "@" << f.name << " block " << b;
      dropped += unsigned(f.layout.size() - together.layout.size());
    }
  // The hand-written program keeps .recover (a guard's label) and drops the
  // two islands.
  const Function &main = programs[0].functions[0];
  Function once = main;
  eliminateDeadAndUnreachableCode(once);
  EXPECT_EQ(once.layout.size(), main.layout.size() - 2);
  EXPECT_NE(text(once).find(".recover"), std::string::npos);
  EXPECT_EQ(text(once).find("dead"), std::string::npos);
  EXPECT_GE(dropped, 2u);
}

} // namespace
} // namespace brisk
